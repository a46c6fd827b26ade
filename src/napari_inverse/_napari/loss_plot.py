"""The Train dock's live loss curves, drawn with QPainter.

A few dozen points redrawn once per validation need no plotting library: matplotlib and
pyqtgraph are not dependencies of this plugin, and a QWidget that paints two polylines keeps the
dock light. The y axis is linear because some losses (a probabilistic CARE's Laplace negative
log-likelihood) can be negative.
"""
from __future__ import annotations

from qtpy.QtCore import QPointF, QRectF, Qt
from qtpy.QtGui import QColor, QPainter, QPen, QPolygonF
from qtpy.QtWidgets import QSizePolicy, QWidget

TRAIN_COLOUR = QColor("#5aa0e6")
VALIDATION_COLOUR = QColor("#e8a33d")
MARGIN = 8
TEXT_HEIGHT = 14


class LossPlot(QWidget):
    """Training and validation loss against the step, one point per validation record."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumHeight(150)
        # a bare QWidget has no size hint, so the dock's layout would leave it narrow
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.train: list[tuple[int, float]] = []
        self.validation: list[tuple[int, float]] = []

    def clear(self) -> None:
        self.train, self.validation = [], []
        self.update()

    def add(self, record: dict) -> None:
        """Append one ``fit`` validation record (step, train_loss, validation_loss)."""
        self.train.append((record["step"], record["train_loss"]))
        self.validation.append((record["step"], record["validation_loss"]))
        self.update()

    def paintEvent(self, _event) -> None:  # noqa: N802 (Qt's name)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        text = self.palette().windowText().color()
        area = QRectF(self.rect()).adjusted(MARGIN, MARGIN + TEXT_HEIGHT, -MARGIN,
                                            -MARGIN - TEXT_HEIGHT)
        painter.setPen(QPen(text, 1))
        painter.drawRect(area)
        if not self.validation:
            painter.drawText(area, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             "the losses appear after the first validation")
            return
        values = [loss for _, loss in self.train + self.validation]
        low, high = min(values), max(values)
        pad = (high - low) * 0.05 or abs(high) * 0.05 or 1.0
        low, high = low - pad, high + pad
        last_step = max(self.validation[-1][0], 1)

        def point(step: int, loss: float) -> QPointF:
            return QPointF(area.left() + area.width() * step / last_step,
                           area.bottom() - area.height() * (loss - low) / (high - low))

        for series, colour in ((self.train, TRAIN_COLOUR), (self.validation, VALIDATION_COLOUR)):
            painter.setPen(QPen(colour, 2))
            points = [point(step, loss) for step, loss in series]
            painter.drawPolyline(QPolygonF(points))
            for p in points:
                painter.drawEllipse(p, 2, 2)
        painter.setPen(QPen(text, 1))
        top = QRectF(area.left(), MARGIN, area.width(), TEXT_HEIGHT)
        bottom = QRectF(area.left(), area.bottom(), area.width(), TEXT_HEIGHT)
        painter.drawText(top, Qt.AlignmentFlag.AlignLeft, f"{high:.4g}")
        painter.drawText(bottom, Qt.AlignmentFlag.AlignLeft, f"{low:.4g}")
        painter.drawText(bottom, Qt.AlignmentFlag.AlignRight, f"step {last_step}")
        painter.setPen(QPen(TRAIN_COLOUR, 1))
        painter.drawText(top, Qt.AlignmentFlag.AlignRight, "training")
        painter.setPen(QPen(VALIDATION_COLOUR, 1))
        legend_gap = painter.fontMetrics().horizontalAdvance("training  ")
        painter.drawText(top.adjusted(0, 0, -legend_gap, 0), Qt.AlignmentFlag.AlignRight,
                         "validation")
