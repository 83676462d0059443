"""One run of this process: the channel to the rank's agent, the buffers, and the flush thread that
moves what the program logged to the agent; the program waits only when a buffer is at its bound.
The flush thread paces the socket; the agent's batch processor decides when points become envelopes."""

import os
import sys
import threading
import time

from . import _exit
from ._buffers import ROW, MetricTable, Outbox
from ._channel import AgentRefused, Channel, ChannelError
from ._errors import Prov4mlError, warn, warn_once
from ._limits import (
    AGENT_START_TIMEOUT_S,
    BACKPRESSURE_POLL_S,
    DEFAULT_SAVE_AFTER_N_LOGS,
    END_RUN_TIMEOUT_S,
    EXIT_END_TIMEOUT_S,
    MAX_RECORDS_PER_MESSAGE,
    MAX_SAFE_STEP,
    MIN_SEND_INTERVAL_S,
    SEND_INTERVAL_S,
    SERIES_CHUNK_POINTS,
    START_TIMEOUT_S,
    TARGET_MESSAGE_BYTES,
)
from ._job import agent_job_environment
from ._own_agent import OwnAgent
from ._values import as_number, number_to_wire
from ._version import __version__
from ._wire import encode_column_bytes, encode_json, frame_of

# base64 of 8 bytes per column entry, three columns per point.
_WIRE_BYTES_PER_POINT = 3 * 8 * 4 // 3
_RECORD_OVERHEAD_BYTES = 200
#: Encoded pieces _RecordsBatch keeps per series.
_PIECES_PER_SERIES = 9


def say(line):
    """One line on stderr, for what the user must read once (no agent, files left to merge): a plain
    line rather than a warning followed by the source line that issued it."""
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def say_no_provenance(reason):
    """The line a program gets when no agent can be reached or started: why (what to install)."""
    say("%s; the training goes on without provenance" % reason)


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
    """The run of this process. start_run returns as soon as the session exists: the flush thread
    connects to the agent (waiting for an agent it started to open its channel), starts the run, and
    then sends what the program logged meanwhile. Until the agent answers, this process records (the
    buffers hold everything); calls that need the answer (`wait_started`, `channel`, `rank`,
    `world_size`, `run_dir`) wait for it, bounded."""

    def __init__(self, open_channel, own_agent, start, on_silent):
        self._open_channel = open_channel
        self._own_agent = own_agent
        self._start = start
        #: Told (from the flush thread) when this process turns out to record nothing: rank ≠ 0 without
        #: collect_all_processes (False), or no agent could be started or reached (True).
        self._on_silent = on_silent
        self._channel = None
        self._started = None
        self._ready = threading.Event()
        #: Why the run could not start with the agent (one line, already warned); None while it can.
        self.failure = None
        self._wake = threading.Event()
        self._wake_pending = False
        #: A logging call waits at a bound: the flush thread passes at once instead of batching.
        self._waited_on = False
        self._passed = threading.Condition()
        self._passing = True
        self.table = MetricTable(start["saveAfterNLogs"] or DEFAULT_SAVE_AFTER_N_LOGS, self.request_flush, self.wait_for_pass)
        self.outbox = Outbox(self.request_flush, self.wait_for_pass)
        self.flops_per_batch = 0
        self.flops_per_epoch = 0
        #: The packages of the run the agent writes once the job is finalised, sent with end_run:
        #: crateRoCrate (end_run/log_provenance_documents(crate_ro_crate=True)), zipRunDir (use_compressor=ZIP),
        #: unifyExperiments (start_run(unify_experiments=True)).
        self.packages = {"crateRoCrate": False, "zipRunDir": False, "unifyExperiments": False}
        self._pass_lock = threading.Lock()
        self._stopping = False
        self._flusher = threading.Thread(target=self._run, name="prov4ml-flush", daemon=True)
        self._flusher.start()

    @classmethod
    def open(cls, channel_path, start, on_silent):
        """A session with the rank's agent: the wrapper's (`channel_path`, from PROV4ML_CHANNEL) or one
        it starts. Prov4mlError (one line) when there is none to talk to."""
        if not channel_path:
            own_agent = OwnAgent.spawn(agent_job_environment(start["rank"], start["collectAllProcesses"]))
            return cls(own_agent.connect, own_agent, start, on_silent)
        try:
            channel = Channel.connect(channel_path)
        except OSError as error:
            raise Prov4mlError("prov4ml.start_run: PROV4ML_CHANNEL=%s: cannot connect to the rank's agent (%s)" % (channel_path, error)) from None
        session = cls(lambda: channel, None, start, on_silent)
        # The wrapper's agent is already up: its answer (who records) is there in milliseconds.
        session.wait_started()
        return session

    # ---- the agent's answer to start_run ---------------------------------------------------------

    def wait_started(self):
        """The agent's `started` reply, waiting for it (bounded); None when the run could not start."""
        self._ready.wait(AGENT_START_TIMEOUT_S + START_TIMEOUT_S)
        return self._started

    @property
    def channel(self):
        """The channel to the agent, once the run started; ChannelError when it could not."""
        if self.wait_started() is None:
            raise ChannelError(self.failure or "the agent has not answered start_run")
        return self._channel

    @property
    def collecting(self):
        """The original's meaning: only rank 0 records, unless collect_all_processes. Until the agent
        answers, this process records (what it logged is let go if the answer says otherwise)."""
        if not self._ready.is_set():
            return True
        if self._started is None:
            return False
        return bool(self._started.get("collectAllProcesses")) or self.global_rank == 0

    @property
    def global_rank(self):
        """The original's global_rank: start_run's `rank` when given, else the rank the agent detected."""
        return self._start["rank"] if self._start["rank"] is not None else self.rank

    @property
    def user_namespace(self):
        """start_run's prov_user_namespace; None when it left it to the agent's configuration."""
        return self._start["provUserNamespace"]

    def answer(self):
        """A copy of the agent's answer to start_run (runDir, experimentName, runId, saveAfterNLogs, …),
        waiting for it (bounded); None when the run could not start."""
        started = self.wait_started()
        return None if started is None else dict(started)

    @property
    def rank(self):
        return self._answer("rank")

    @property
    def world_size(self):
        return self._answer("worldSize")

    @property
    def run_dir(self):
        return self._answer("runDir")

    def _answer(self, key):
        started = self.wait_started()
        return None if started is None else started.get(key)

    def _begin(self):
        """Runs first on the flush thread: connects, says hello and starts the run."""
        channel = None
        try:
            channel = self._open_channel()
            channel.send({"t": "hello", "pid": os.getpid(), "lang": "python", "version": __version__})
            started = channel.request(dict(self._start, t="start_run"), START_TIMEOUT_S)
        except (Prov4mlError, AgentRefused, ChannelError) as error:
            self._fail(str(error) if isinstance(error, Prov4mlError) else "prov4ml.start_run: %s" % error, channel)
            return False
        self._channel = channel
        self._started = started
        if "saveAfterNLogs" in started:
            self.table.asks_at(started["saveAfterNLogs"])
        self._ready.set()
        if not self.collecting:
            self._let_go()
            self._on_silent(self, False)
        return True

    def _fail(self, reason, channel):
        self.failure = reason
        say_no_provenance(reason)
        self._let_go()
        if self._own_agent is not None:
            self._own_agent.stop(channel)
        elif channel is not None:
            channel.close()
        self._ready.set()
        self._on_silent(self, True)

    def _let_go(self):
        self.table.stop_recording()
        self.outbox.clear()
        self._end_passes()

    # ---- the flush thread ------------------------------------------------------------------------

    def request_flush(self):
        if not self._wake_pending:
            self._wake_pending = True
            self._wake.set()

    def wait_for_pass(self):
        """A logging call at a bound waits here for the flush thread's next pass (or BACKPRESSURE_POLL_S,
        after which it looks again). False once no pass will come: the run records nothing more."""
        with self._passed:
            if not self._passing:
                return False
            self._waited_on = True
            self.request_flush()
            self._passed.wait(BACKPRESSURE_POLL_S)
            return self._passing

    def _end_passes(self):
        with self._passed:
            self._passing = False
            self._passed.notify_all()

    def _run(self):
        if self._begin():
            self._flush_loop()

    def _flush_loop(self):
        last_pass = 0.0
        while not self._stopping:
            self._wake.wait(SEND_INTERVAL_S)
            wait = last_pass + MIN_SEND_INTERVAL_S - time.monotonic()
            if wait > 0 and not self._stopping and not self._waited_on:
                time.sleep(wait)
            self._wake.clear()
            self._wake_pending = False
            self._waited_on = False
            last_pass = time.monotonic()
            if self._stopping:
                return
            try:
                self.send_pending()
            except Exception as error:  # the flush thread must outlive any surprise, or logging stops silently
                warn_once("flush-failed", "prov4ml: sending to the agent failed: %r" % (error,))

    def _stop_flusher(self):
        self._stopping = True
        self._wake.set()
        self._flusher.join()

    def send_pending(self):
        """One pass: the outbox in order, then every series' buffered points, in bounded messages
        (once the run has started with the agent; nothing when it could not)."""
        if self.wait_started() is None:
            return
        with self._pass_lock:
            batch = _RecordsBatch(self._channel)
            for message in self.outbox.take():
                if "t" in message:
                    batch.send()
                    self._channel.send(message)
                else:
                    batch.add_record(message)
            self.table.taken()
            for series in list(self.table.series):
                for rows in series.take():
                    if len(rows) <= ROW * SERIES_CHUNK_POINTS:
                        batch.add_series(series, rows)
                        continue
                    for start in range(0, len(rows), ROW * SERIES_CHUNK_POINTS):
                        batch.add_series(series, rows[start:start + ROW * SERIES_CHUNK_POINTS])
            batch.send()
        with self._passed:
            self._passed.notify_all()

    # ---- the end ---------------------------------------------------------------------------------

    def end(self, create_graph, create_svg, exit=None):
        """Sends everything and ends the run with the agent: at end_run (`exit` None) or on the program's
        exit path (`exit`: how it ends, from _exit.how_it_ends). Returns once the rank's files are complete
        (an agent this process started) or its records are in the wrapper's spool (the wrapper outlives
        the program and finishes the run); bounded, past the bound one line says what is kept."""
        with _exit.ending():
            self._end(create_graph, create_svg, exit)

    def _end(self, create_graph, create_svg, exit):
        if self.collecting:
            for final in list(self.table.folds.values()):
                try:
                    self.outbox.put(final.record())
                except TypeError as error:
                    warn(str(error))
        self._stop_flusher()
        if self.failure is not None:
            return
        self.send_pending()
        self._end_passes()
        if exit is not None and self._own_agent is None:
            request, timeout = {"t": "flush"}, EXIT_END_TIMEOUT_S
        else:
            request = {"t": "end_run", "createGraph": bool(create_graph), "createSvg": bool(create_svg)}
            request.update((name, True) for name, asked in self.packages.items() if asked)
            if exit is not None:
                request["exit"] = exit
            timeout = END_RUN_TIMEOUT_S if exit is None else EXIT_END_TIMEOUT_S
        self._channel.expect_close()
        try:
            reply = self._channel.request(request, timeout)
            if not reply.get("complete", True):
                say("prov4ml: %s" % reply.get("message"))
        except (AgentRefused, ChannelError) as error:
            say(
                "prov4ml: %s; the records the agent received are kept in %s; once it has stopped, `prov4ml merge %s` writes the documents"
                % (error, os.path.join(self._started["runDir"], "spool"), self._started["runDir"])
            )
        if self._own_agent is not None:
            self._own_agent.finish(self._channel)
        else:
            self._channel.close()


class _RecordsBatch:
    """Records for one records message, sent once it reaches its size or count bound. The message is
    put together from encoded pieces: the metric columns (most of its bytes) are base64 bytes placed
    as they are, rather than strings the JSON encoder scans and copies again."""

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
        head = encode_json({"name": series.name, "context": series.context, "source": series.source, "unit": series.unit})
        self._series += [
            b"," if self._series else b"",
            head[:-1],
            b',"steps":"',
            encode_column_bytes(steps),
            b'","values":"',
            encode_column_bytes(rows[1::ROW]),
            b'","timestamps":"',
            encode_column_bytes(rows[2::ROW]),
            b'"}',
        ]
        self._grow(_RECORD_OVERHEAD_BYTES + len(steps) * _WIRE_BYTES_PER_POINT)

    def _grow(self, size):
        self._bytes += size
        if self._bytes >= TARGET_MESSAGE_BYTES or len(self._records) + len(self._series) // _PIECES_PER_SERIES >= MAX_RECORDS_PER_MESSAGE:
            self.send()

    def send(self):
        if not self._records and not self._series:
            return
        records = encode_json(self._records)[1:-1]
        pieces = [b'{"t":"records","records":[', records]
        if self._series:
            pieces += [b"," if records else b"", b'{"kind":"metrics","series":['] + self._series + [b"]}"]
        pieces.append(b"]}")
        self._channel.send_frame(frame_of(pieces))
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
