"""The progress of ``neuronlab train``: a bar on a terminal, a line now and then when piped."""

from __future__ import annotations

import time


class TrainingProgress:
    """The progress of a run: a bar on a terminal, a line now and then when piped.

    Both show the epoch, the share of the whole run done (within an epoch too, minibatch by
    minibatch), the time left, and the last epoch's loss, validation loss and accuracy. The
    bar is a fixed 12 characters, so that the line fits 80 columns.
    """

    BAR_REFRESH = 0.1  # seconds between two updates of the bar within an epoch
    LINE_EVERY = 2.0  # seconds between two lines when piped

    def __init__(self, console, epochs: int, rows: int, quiet: bool):
        self.console, self.epochs, self.rows, self.quiet = console, epochs, rows, quiet
        self.terminal = console.is_terminal
        self.done_epochs = 0
        self.scores = "loss …"
        self._started = self._last = self._epoch_started = time.perf_counter()
        self._bar = None

    def __enter__(self) -> TrainingProgress:
        if self.quiet or not self.terminal:
            return self
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        self._bar = Progress(
            TextColumn("epoch {task.fields[epoch]}"),
            BarColumn(bar_width=12),
            TextColumn("{task.percentage:>3.0f}%"),
            TextColumn("eta"),
            TimeRemainingColumn(),
            TextColumn("{task.fields[scores]}"),
            console=self.console,
            transient=False,
        )
        self._bar.__enter__()
        self._task = self._bar.add_task("training", total=self.epochs * self.rows,
                                        epoch=self._epoch_text(1), scores=self.scores)  # fmt: skip
        return self

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)

    def _epoch_text(self, epoch: int) -> str:
        return f"{epoch}/{self.epochs}"

    def batch(self, rows_done: int, rows: int) -> None:
        """After every minibatch: move the bar (or, piped, say how far a long epoch is)."""
        now = time.perf_counter()
        if now - self._last < (self.BAR_REFRESH if self._bar else self.LINE_EVERY):
            return
        if self._bar is None and now - self._epoch_started < self.LINE_EVERY:
            return  # a short epoch: its end prints the line, with the scores
        self._last = now
        done = self.done_epochs * self.rows + rows_done
        if self._bar is not None:
            self._bar.update(self._task, completed=done)
        else:
            self._line(self.done_epochs + 1, done, f"{rows_done / rows:.0%} of the epoch")

    def epoch(self, report) -> None:
        """After every epoch: the scores, and the bar (or a line) at the epoch's end."""
        self.done_epochs = report.epoch
        self._epoch_started = time.perf_counter()
        self.scores = scores_text(report)
        done = self.done_epochs * self.rows
        if self._bar is not None:
            upcoming = self._epoch_text(min(report.epoch + 1, self.epochs))
            self._bar.update(self._task, completed=done, scores=self.scores, epoch=upcoming)
            return
        now = time.perf_counter()
        if self.quiet:
            return
        if now - self._last >= self.LINE_EVERY or report.epoch in (1, self.epochs):
            self._last = now
            self._line(report.epoch, done, self.scores)

    def _line(self, epoch: int, done: int, what: str) -> None:
        total = self.epochs * self.rows
        elapsed = time.perf_counter() - self._started
        left = elapsed * (total - done) / done if done else float("nan")
        eta = "-:--:--" if left != left else time.strftime("%H:%M:%S", time.gmtime(left))
        self.console.print(
            f"epoch {epoch}/{self.epochs}  {done / total:>4.0%}  eta {eta}  {what}",
            highlight=False,
            soft_wrap=True,
        )


def scores_text(report) -> str:
    """'loss 0.123 val 0.145 val acc 96.5%': the epoch's losses and its accuracy, the
    validation set's when there is one ('acc 96.5%', the training set's, when not)."""
    if report.train_loss is None:
        return "loss …"
    text = f"loss {report.train_loss:.3g}"
    if report.val_loss is not None:
        text += f" val {report.val_loss:.3g}"
    if report.val_accuracy is not None:
        text += f" val acc {report.val_accuracy:.1%}"
    elif report.train_accuracy is not None:
        text += f" acc {report.train_accuracy:.1%}"
    return text
