"""What the program logged and the flush thread has not sent yet.

Metric points live in one list per (metric, context) series, as rows of (step, value, timestamp ms)
appended by a single `extend` call: under the GIL that call is atomic, so a packer that takes the
first `len(points)` entries always takes whole rows, and appending never needs a lock. A list, not an
array('d'): extending a list with a tuple costs a third of what the array's conversions cost on the
hot path. Every SERIES_CHUNK_POINTS points the logging call packs the list into an array('d') chunk
(the flush thread packs what is left when it passes), so that the Python objects of only a few
thousand points are alive at a time and their memory is reused instead of faulted in again.

Nothing is dropped for want of room: at a bound the logging call waits for the flush thread (`wait_for_pass`).
"""

import collections
import threading
from array import array

from ._errors import warn_once
from ._kinds import UNIT_OF_SOURCE, ContextAliases, LoggingItemKind, canonical_context
from ._limits import MAX_PENDING_MESSAGES, MAX_SERIES, MAX_SERIES_POINTS, SERIES_CHUNK_POINTS
from ._values import check_name

ROW = 3  # step, value, timestamp


class Series:
    __slots__ = ("name", "context", "source", "unit", "points", "_chunks", "_pack_lock")

    def __init__(self, name, context, source):
        self.name = name
        self.context = context
        self.source = source
        self.unit = UNIT_OF_SOURCE.get(source, "")
        self.points = []
        #: array('d') chunks packed from `points`, oldest first, that the flush thread has not taken.
        self._chunks = []
        #: Two packers (the logging call at a chunk's bound, the flush thread) must not pack the same rows.
        self._pack_lock = threading.Lock()

    def pack(self):
        """Moves the rows buffered now into one array('d') chunk (rows appended meanwhile stay). The
        conversion holds the GIL, so it sees whole rows; the objects of the rows are freed at once."""
        with self._pack_lock:
            points = self.points
            try:
                chunk = array("d", points)
            except OverflowError:
                # An int step beyond float64: infinite, so that the step check drops its row with a warning.
                chunk = array("d", [_float_or_inf(entry) for entry in points[:len(points)]])
            del points[:len(chunk)]
            if chunk:
                self._chunks.append(chunk)

    def packed_points(self):
        """Points packed and not taken yet."""
        with self._pack_lock:
            return sum(len(chunk) for chunk in self._chunks) // ROW

    def take(self):
        """Every row buffered now, as array('d') chunks, oldest first, removed from the series."""
        self.pack()
        with self._pack_lock:
            chunks, self._chunks = self._chunks, []
        return chunks


class FoldedPoints:
    """What the hot path finds for a metric with a final metric (register_final_metric): appending a
    row also folds its value, so that the hot path of every other metric checks for no fold."""

    __slots__ = ("points", "final")

    def __init__(self, points, final):
        self.points = points
        self.final = final

    def __len__(self):
        return len(self.points)

    def __iadd__(self, row):
        self.points += row
        self.final.update(row[1])
        return self


def _float_or_inf(entry):
    try:
        return float(entry)
    except OverflowError:
        return float("inf") if entry > 0 else float("-inf")


class MetricTable:
    """The series of one run, found by the hot path as `by_context[context][name]` → points (a list,
    or FoldedPoints for a metric with a final metric)."""

    def __init__(self, save_after_n_logs, request_flush, wait_for_pass):
        #: len(points) at which a series asks for a flush (the original's save_after_n_logs), or, once a
        #: flush is asked for, at which the logging call packs a chunk: the hot path takes the slow
        #: branch once per flush or chunk, not on every call until the flush thread comes.
        self.asks_at(save_after_n_logs)
        self._request_flush = request_flush
        self._wait_for_pass = wait_for_pass
        #: False once this process records nothing more (rank ≠ 0, or no agent): points are let go.
        self.recording = True
        self._aliases = ContextAliases(lambda name: {})
        self.by_context = self._aliases.by_alias
        self.series = []
        #: id(series.points) → series, for the slow branch, which the hot path gives only the points.
        self._series_of_points = {}
        #: name → FinalMetric (register_final_metric), folded by FoldedPoints.
        self.folds = {}
        self._lock = threading.Lock()

    def series_points(self, context, name, source, call):
        """Slow path of the first point of a series (or of a new spelling of its context); None: not recorded."""
        if not self.recording:
            return None
        by_name = self._aliases.entry(context, call)
        check_name(name, "key", call)
        points = by_name.get(name)
        if points is not None:
            return points
        source = str(source) if source is not None else str(LoggingItemKind.METRIC)
        with self._lock:
            points = by_name.get(name)
            if points is None:
                if len(self.series) >= MAX_SERIES:
                    warn_once("max-series", "prov4ml: more than %d metric series in this run; %r is not recorded" % (MAX_SERIES, name))
                    return None
                series = Series(name, canonical_context(context, call), source)
                self.series.append(series)
                self._series_of_points[id(series.points)] = series
                final = self.folds.get(name)
                points = by_name[name] = series.points if final is None else FoldedPoints(series.points, final)
        return points

    def fold(self, name, final):
        """Folds every later point of metric `name`, in any context, into `final` (replacing an earlier one)."""
        with self._lock:
            self.folds[name] = final
            for by_name in list(self.by_context.values()):
                points = by_name.get(name)
                if points is not None:
                    by_name[name] = FoldedPoints(_list_of(points), final)

    def asks_at(self, save_after_n_logs):
        """The agent's save_after_n_logs, once it answered start_run."""
        self._asks_at = ROW * min(save_after_n_logs, SERIES_CHUNK_POINTS)
        self.handoff_at = self._asks_at

    def room_for(self, points):
        """Called when a series reached handoff_at: asks for a flush and, at SERIES_CHUNK_POINTS, packs
        the series' points into a chunk; when MAX_SERIES_POINTS are packed and not taken, waits until the
        flush thread has taken them. False only once the run records nothing more."""
        if not self.recording:
            return False
        self._request_flush()
        self.handoff_at = ROW * SERIES_CHUNK_POINTS
        if len(points) >= ROW * SERIES_CHUNK_POINTS:
            series = self._series_of_points[id(_list_of(points))]
            series.pack()
            while series.packed_points() >= MAX_SERIES_POINTS:
                if not self._wait_for_pass():
                    return False
        return self.recording

    def taken(self):
        """The flush thread took every series: the next save_after_n_logs points ask again."""
        self.handoff_at = self._asks_at

    def stop_recording(self):
        """This process records nothing more: every buffered point is let go, later ones are not kept."""
        with self._lock:
            self.recording = False
            self.by_context.clear()
            for series in self.series:
                series.take()


def _list_of(points):
    """The list of a series' points, from what the hot path holds."""
    return points.points if type(points) is FoldedPoints else points


class Outbox:
    """Parameters, datasets and sample requests waiting for the flush thread, in logging order."""

    def __init__(self, request_flush, wait_for_pass):
        self._messages = collections.deque()
        self._request_flush = request_flush
        self._wait_for_pass = wait_for_pass

    def put(self, message, urgent=False):
        """Queues a message; when MAX_PENDING_MESSAGES wait, first waits for the flush thread to take them."""
        while len(self._messages) >= MAX_PENDING_MESSAGES:
            if not self._wait_for_pass():
                return
        self._messages.append(message)
        if urgent:
            self._request_flush()

    def clear(self):
        self._messages.clear()

    def take(self):
        messages = []
        while True:
            try:
                messages.append(self._messages.popleft())
            except IndexError:
                return messages
