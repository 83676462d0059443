"""Named bounds and timeouts of the Python client, in one place.

Memory is bounded without losing anything: a logging call that finds a series at MAX_SERIES_POINTS
(or the outbox at MAX_PENDING_MESSAGES) waits for the flush thread to hand them to the agent, as the
TypeScript hot path waits for its spool ring. An agent that stops reading altogether fails the channel
after SEND_TIMEOUT_S; from then on what is logged is dropped with one warning.
"""

#: How often the flush thread sends what the buffers hold, whatever save_after_n_logs says. These
#: intervals only pace the socket: the agent's batch processor decides the envelopes, by the same
#: policy (save_after_n_logs, interval, bounds) as for a TypeScript program's points.
SEND_INTERVAL_S = 1.0

#: Shortest time between two sends asked for by a series at save_after_n_logs; batches tight loops into
#: larger messages so that the flush thread does not compete with training for the GIL.
MIN_SEND_INTERVAL_S = 0.05

#: Points of one (metric, context) series packed and not yet taken by the flush thread before a logging
#: call waits for it: what end_run may still have to send (a few tens of ms of the agent's time), 1.5 MB.
MAX_SERIES_POINTS = 65_536

#: Distinct (metric, context) series one run may create.
MAX_SERIES = 4096

#: Points a series holds as Python objects before the logging call packs them into one array('d')
#: chunk (one series record on the wire, ~130 KB of base64). Small on purpose: the objects of a few
#: thousand points, their list and every buffer made from them are reused by the allocators, while
#: tens of thousands are returned to the system and faulted in again on the next pass (a page fault
#: costs ~20 µs on a virtual machine: more than logging 50 points).
SERIES_CHUNK_POINTS = 4096

#: A records message is sent once it reaches about this many bytes (the agent's frame limit is 16 MiB):
#: about one series chunk, so that the flush thread's buffers stay below malloc's mmap and trim
#: thresholds and are reused rather than faulted in again (4 MiB messages cost ~28 page faults per
#: 1000 points, ~0.4 µs of the flush thread's time per point, holding the GIL).
TARGET_MESSAGE_BYTES = 128 * 1024

#: Records per records message (the agent accepts up to 10,000).
MAX_RECORDS_PER_MESSAGE = 1000

#: Parameters, datasets and sample requests waiting for the flush thread before a logging call waits too.
MAX_PENDING_MESSAGES = 100_000

#: Longest name of a metric, parameter, dataset or model (the agent accepts 16,384 characters).
MAX_NAME_CHARS = 16_384

#: Longest string parameter value; longer values are cut (the agent accepts 64 KiB).
MAX_PARAM_VALUE_CHARS = 16_384

#: Spellings of contexts (aliases such as 'training' or 'Context.TRAINING') remembered for the hot path.
MAX_CONTEXT_ALIASES = 256

#: Largest reply frame accepted from the agent (replies are a few hundred bytes).
MAX_REPLY_FRAME_BYTES = 1024 * 1024

#: Steps travel as float64 and must stay exact integers.
MAX_SAFE_STEP = 2 ** 53 - 1

#: How long one send may wait for an agent that stopped reading; past it the channel counts as failed
#: (what is logged afterwards is dropped with a warning) instead of blocking end_run for ever.
SEND_TIMEOUT_S = 60.0

#: How long start_run waits for the agent to answer (it may wait for a shared file system).
START_TIMEOUT_S = 120.0

#: How long a flush waits for the agent to confirm that everything is in its spool.
FLUSH_TIMEOUT_S = 60.0

#: How long log_artifact waits for the agent to copy and hash a file or directory.
ARTIFACT_TIMEOUT_S = 600.0

#: How long end_run waits for the agent to answer that the rank's files are complete (or its records spooled).
END_RUN_TIMEOUT_S = 300.0

#: How long the program's exit without end_run (a normal exit, an uncaught exception, SIGTERM) waits
#: for the rank's files (own agent) or for its records to be in the wrapper's spool; past it one line
#: says what is kept and how to merge.
EXIT_END_TIMEOUT_S = 120.0

#: How long a logging call that waits for the flush thread sleeps before it looks again (a pass wakes it sooner).
BACKPRESSURE_POLL_S = 0.1

#: The original's save_after_n_logs, until the agent's answer to start_run says what is in effect.
DEFAULT_SAVE_AFTER_N_LOGS = 100

#: How long start_run waits for an agent it started to open its channel.
AGENT_START_TIMEOUT_S = 60.0

