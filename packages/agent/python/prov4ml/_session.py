"""One run of this process: the channel to the rank's agent, the buffers, and the flush thread that
moves what the program logged to the agent without ever making the program wait."""

import os
import threading
import time

from ._buffers import ROW, MetricTable, Outbox
from ._channel import AgentRefused, Channel, ChannelError
from ._errors import Prov4mlError, warn, warn_once
from ._limits import (
    END_RUN_TIMEOUT_S,
    EXIT_FLUSH_TIMEOUT_S,
    FLUSH_INTERVAL_S,
    MAX_RECORDS_PER_MESSAGE,
    MAX_SAFE_STEP,
    MIN_TRIGGERED_FLUSH_INTERVAL_S,
    SERIES_CHUNK_POINTS,
    START_TIMEOUT_S,
    TARGET_MESSAGE_BYTES,
)
from ._own_agent import OwnAgent
from ._values import as_number, number_to_wire
from ._version import __version__
from ._wire import encode_column

# base64 of 8 bytes per column entry, three columns per point.
_WIRE_BYTES_PER_POINT = 3 * 8 * 4 // 3
_RECORD_OVERHEAD_BYTES = 200


class FinalMetric:
    """register_final_metric: a fold over every later point of the metric, in any context."""

    __slots__ = ("name", "operation", "fold", "initial_value", "value", "count")

    def __init__(self, name, operation, fold, initial_value):
        self.name = name
        self.operation = operation
        self.fold = fold
        self.initial_value = initial_value
        self.value = initial_value
        self.count = 0

    def update(self, value):
        self.value = self.fold(self.value, value)
        self.count += 1

    def record(self):
        value = as_number(self.value, "the folded value of %r" % self.name, "register_final_metric")
        return {
            "kind": "final_metric",
            "time": time.time() * 1000.0,
            "name": self.name,
            "operation": self.operation,
            "initialValue": number_to_wire(self.initial_value),
            "value": number_to_wire(value),
            "count": self.count,
        }


class Session:
    def __init__(self, channel, own_agent, started, requested_collect_all, requested_save_after_n_logs):
        self.channel = channel
        self._own_agent = own_agent
        self.rank = started["rank"]
        self.world_size = started["worldSize"]
        self.run_dir = started["runDir"]
        collect_all = started.get("collectAllProcesses", bool(requested_collect_all))
        save_after_n_logs = started.get("saveAfterNLogs", requested_save_after_n_logs or 100)
        #: The original's meaning: only rank 0 records, unless collect_all_processes.
        self.collecting = bool(collect_all) or self.rank == 0
        self._wake = threading.Event()
        self._wake_pending = False
        self.table = MetricTable(save_after_n_logs, self.request_flush)
        self.outbox = Outbox(self.request_flush)
        self.finals = self.table.folds
        self.flops_per_batch = 0
        self.flops_per_epoch = 0
        self._pass_lock = threading.Lock()
        self._stopping = False
        self._flusher = threading.Thread(target=self._flush_loop, name="prov4ml-flush", daemon=True)
        self._flusher.start()

    @classmethod
    def open(cls, channel_path, start):
        """Connects to the rank's agent (`channel_path`, from PROV4ML_CHANNEL) or starts one, and starts the run."""
        own_agent = None
        if channel_path:
            try:
                channel = Channel.connect(channel_path)
            except OSError as error:
                raise Prov4mlError("prov4ml.start_run: PROV4ML_CHANNEL=%s: cannot connect to the rank's agent (%s)" % (channel_path, error)) from None
        else:
            own_agent = OwnAgent.start()
            channel = own_agent.channel
        channel.send({"t": "hello", "pid": os.getpid(), "lang": "python", "version": __version__})
        try:
            started = channel.request(dict(start, t="start_run"), START_TIMEOUT_S)
        except (AgentRefused, ChannelError) as error:
            if own_agent is not None:
                own_agent.stop()
            else:
                channel.close()
            raise Prov4mlError("prov4ml.start_run: %s" % error) from None
        return cls(channel, own_agent, started, start["collectAllProcesses"], start["saveAfterNLogs"])

    def request_flush(self):
        if not self._wake_pending:
            self._wake_pending = True
            self._wake.set()

    def end(self, create_graph, create_svg):
        """Sends everything, ends the run with the agent, and lets go of the channel."""
        if self.collecting:
            for final in list(self.finals.values()):
                try:
                    self.outbox.put(final.record())
                except TypeError as error:
                    warn(str(error))
        self._stop_flusher()
        self.send_pending()
        try:
            self.channel.request({"t": "end_run", "createGraph": bool(create_graph), "createSvg": bool(create_svg)}, END_RUN_TIMEOUT_S)
        except (AgentRefused, ChannelError) as error:
            warn("prov4ml.end_run: %s" % error)
        if self._own_agent is not None:
            self._own_agent.finish()
        else:
            self.channel.close()

    def abandon(self):
        """At interpreter exit without end_run: gets what is buffered into the agent's spool, briefly."""
        self._stop_flusher()
        self.send_pending()
        try:
            self.channel.request({"t": "flush"}, EXIT_FLUSH_TIMEOUT_S)
        except (AgentRefused, ChannelError):
            pass
        if self._own_agent is not None:
            self._own_agent.release()
        else:
            self.channel.close()

    def _stop_flusher(self):
        self._stopping = True
        self._wake.set()
        self._flusher.join()

    def _flush_loop(self):
        last_pass = 0.0
        while not self._stopping:
            self._wake.wait(FLUSH_INTERVAL_S)
            wait = last_pass + MIN_TRIGGERED_FLUSH_INTERVAL_S - time.monotonic()
            if wait > 0 and not self._stopping:
                time.sleep(wait)
            self._wake.clear()
            self._wake_pending = False
            last_pass = time.monotonic()
            if self._stopping:
                return
            try:
                self.send_pending()
            except Exception as error:  # the flush thread must outlive any surprise, or logging stops silently
                warn_once("flush-failed", "prov4ml: sending to the agent failed: %r" % (error,))

    def send_pending(self):
        """One pass: the outbox in order, then every series' buffered points, in bounded messages."""
        with self._pass_lock:
            batch = _RecordsBatch(self.channel)
            for message in self.outbox.take():
                if "t" in message:
                    batch.send()
                    self.channel.send(message)
                else:
                    batch.add_record(message)
            for series in list(self.table.series):
                rows = series.take()
                if len(rows):
                    for start in range(0, len(rows), ROW * SERIES_CHUNK_POINTS):
                        batch.add_series(series, rows[start:start + ROW * SERIES_CHUNK_POINTS])
            batch.send()


class _RecordsBatch:
    """Records for one records message, sent once it reaches its size or count bound."""

    def __init__(self, channel):
        self._channel = channel
        self._records = []
        self._series = []
        self._bytes = 0

    def add_record(self, record):
        self._records.append(record)
        self._grow(_RECORD_OVERHEAD_BYTES + len(str(record)))

    def add_series(self, series, rows):
        steps = rows[0::ROW]
        if max(steps) > MAX_SAFE_STEP or min(steps) < -MAX_SAFE_STEP:
            rows = _rows_with_safe_steps(rows, series.name)
            steps = rows[0::ROW]
            if not len(steps):
                return
        self._series.append({
            "name": series.name,
            "context": series.context,
            "source": series.source,
            "unit": series.unit,
            "steps": encode_column(steps),
            "values": encode_column(rows[1::ROW]),
            "timestamps": encode_column(rows[2::ROW]),
        })
        self._grow(_RECORD_OVERHEAD_BYTES + len(steps) * _WIRE_BYTES_PER_POINT)

    def _grow(self, size):
        self._bytes += size
        if self._bytes >= TARGET_MESSAGE_BYTES or len(self._records) + len(self._series) >= MAX_RECORDS_PER_MESSAGE:
            self.send()

    def send(self):
        if not self._records and not self._series:
            return
        records = self._records
        if self._series:
            records.append({"kind": "metrics", "series": self._series})
        self._channel.send({"t": "records", "records": records})
        self._records = []
        self._series = []
        self._bytes = 0


def _rows_with_safe_steps(rows, name):
    """Drops points whose step cannot travel exactly as a float64 (the agent would refuse the message)."""
    warn_once("unsafe-step", "prov4ml: metric %r was logged with a step beyond ±2**53; those points are dropped" % name)
    kept = rows[:0]
    for i in range(0, len(rows), ROW):
        if -MAX_SAFE_STEP <= rows[i] <= MAX_SAFE_STEP:
            kept.extend(rows[i:i + ROW])
    return kept
