"""Command-line plumbing shared by the scripts: argument types that refuse bad values at once, a parser
whose errors are one line with exit status 2, the options many scripts share, and the data and training
runs those options select. The scripts stay short, runnable examples; this is where their common rules
live and are tested once."""

from cli.data import DEFAULT_DATASET, first, first_within, load_script_data
from cli.parser import (
    QUICK_NOTE,
    ScriptParser,
    add_checkpoint_options,
    add_dataset_option,
    add_out_option,
    add_seed_option,
    script_parser,
)
from cli.progress import StageProgress, show_progress
from cli.runs import EXIT_INTERRUPTED, check_resume_options, resume_if_asked, until_stopped
from cli.validators import (
    MAX_ABS_GRAPH_INPUT,
    MAX_CHECK_SAMPLES,
    MAX_LAYER_WIDTH,
    directory_problem,
    existing_dir,
    existing_file,
    file_problem,
    finite_float,
    float_in_range,
    graph_input,
    graph_number,
    int_in_range,
    layer_width,
    nonnegative_int,
    number_in_range,
    positive_float,
    positive_int,
    thread_count,
    unit_interval_float,
    writable_dir,
)

__all__ = [
    "DEFAULT_DATASET",
    "EXIT_INTERRUPTED",
    "MAX_ABS_GRAPH_INPUT",
    "MAX_CHECK_SAMPLES",
    "MAX_LAYER_WIDTH",
    "QUICK_NOTE",
    "ScriptParser",
    "StageProgress",
    "add_checkpoint_options",
    "add_dataset_option",
    "add_out_option",
    "add_seed_option",
    "check_resume_options",
    "directory_problem",
    "existing_dir",
    "existing_file",
    "file_problem",
    "finite_float",
    "first",
    "first_within",
    "float_in_range",
    "graph_input",
    "graph_number",
    "int_in_range",
    "layer_width",
    "load_script_data",
    "nonnegative_int",
    "number_in_range",
    "positive_float",
    "positive_int",
    "resume_if_asked",
    "script_parser",
    "show_progress",
    "thread_count",
    "unit_interval_float",
    "until_stopped",
    "writable_dir",
]
