"""Training: the loop that drives a network and an optimiser over a data set, with its checkpoints,
progress bars (tqdm), the book's recipes, learning-rate schedules and plots. Imports layers/networks/optimizers,
never the reverse; matplotlib is loaded only when a plot is drawn."""

from training.checkpoint import Checkpoint, CheckpointError, load_checkpoint, save_checkpoint
from training.history import History
from training.plots import (
    accuracy_panels_figure,
    image_grid_figure,
    image_panel_titles,
    plot_accuracy_panels,
    plot_history,
    plot_image_grid,
    plot_loss_curves,
    smooth_curve,
    text_figure,
)
from training.progress import ProgressBar, with_progress
from training.recipes import TrainedRun, accuracy_table, adam_trainer, final_accuracies, train_plot_save
from training.schedules import ConstantLR, CosineDecay, Schedule, StepDecay, schedule_from_config
from training.trainer import (
    Trainer,
    TrainingDivergedError,
    TrainingInterrupted,
    available_optimizers,
    make_optimizer,
)

__all__ = [
    "Checkpoint",
    "CheckpointError",
    "ConstantLR",
    "CosineDecay",
    "History",
    "ProgressBar",
    "Schedule",
    "StepDecay",
    "TrainedRun",
    "Trainer",
    "TrainingDivergedError",
    "TrainingInterrupted",
    "accuracy_panels_figure",
    "accuracy_table",
    "adam_trainer",
    "available_optimizers",
    "final_accuracies",
    "image_grid_figure",
    "image_panel_titles",
    "load_checkpoint",
    "make_optimizer",
    "plot_accuracy_panels",
    "plot_history",
    "plot_image_grid",
    "plot_loss_curves",
    "save_checkpoint",
    "schedule_from_config",
    "train_plot_save",
    "with_progress",
    "smooth_curve",
    "text_figure",
]
