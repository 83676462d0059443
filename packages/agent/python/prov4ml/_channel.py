"""The client's end of the local channel to its rank's agent: one Unix socket, written under a lock
by the caller and the flush thread, read by a daemon thread that hands replies to their waiters."""

import itertools
import json
import socket
import threading

from ._errors import warn_once
from ._limits import MAX_REPLY_FRAME_BYTES, SEND_TIMEOUT_S
from ._wire import HEADER_BYTES, encode_frame, frame_length


#: Buffers one sendmsg takes (IOV_MAX on Linux and macOS).
_MAX_BUFFERS_PER_SEND = 1024


def _unsent(buffers, sent):
    """What is left of `buffers` once their first `sent` bytes went out."""
    for index, buffer in enumerate(buffers):
        if sent < len(buffer):
            return [memoryview(buffer)[sent:]] + buffers[index + 1:]
        sent -= len(buffer)
    return []


class ChannelError(Exception):
    """The channel failed (agent gone, no reply in time); the message says which."""


class AgentRefused(Exception):
    """The agent answered a request with an error; the message is meant for the user."""


class _Waiter:
    __slots__ = ("done", "reply")

    def __init__(self):
        self.done = threading.Event()
        self.reply = None


class Channel:
    def __init__(self, sock, path):
        self.path = path
        self._sock = sock
        sock.settimeout(SEND_TIMEOUT_S)
        self._send_lock = threading.Lock()
        self._waiters = {}
        self._waiters_lock = threading.Lock()
        self._ids = itertools.count(1)
        self._closing = False
        self.failure = None
        self._reader = threading.Thread(target=self._read_replies, name="prov4ml-channel-reader", daemon=True)
        self._reader.start()

    @classmethod
    def connect(cls, path):
        """Raises OSError when nothing listens on `path`."""
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(path)
        except OSError:
            sock.close()
            raise
        return cls(sock, path)

    def send(self, message):
        """Sends a message that gets no reply; False when the channel has failed."""
        return self.send_frame([encode_frame(message)])

    def send_frame(self, buffers):
        """Sends one frame given as a list of buffers (see _wire.frame_of), in as few system calls as
        the kernel takes them; False when the channel has failed."""
        if self.failure is not None:
            return False
        try:
            with self._send_lock:
                while buffers:
                    sent = self._sock.sendmsg(buffers[:_MAX_BUFFERS_PER_SEND])
                    buffers = _unsent(buffers, sent)
        except OSError as error:
            self._fail("cannot write to the agent's channel %s: %s" % (self.path, error))
            return False
        return True

    def request(self, message, timeout):
        """Sends a request and returns the agent's reply (a dict).

        Raises AgentRefused for an error reply and ChannelError when no reply can come."""
        request_id = next(self._ids)
        waiter = _Waiter()
        with self._waiters_lock:
            self._waiters[request_id] = waiter
        message = dict(message, id=request_id)
        if not self.send(message) or not waiter.done.wait(timeout):
            with self._waiters_lock:
                self._waiters.pop(request_id, None)
            raise ChannelError(self.failure or "the agent did not answer %s within %g s" % (message["t"], timeout))
        reply = waiter.reply
        if reply is None:
            raise ChannelError(self.failure)
        if reply.get("t") == "error":
            raise AgentRefused(str(reply.get("message")))
        return reply

    def expect_close(self):
        """The agent closes the channel after answering this process's last request (end_run): not a failure."""
        self._closing = True

    def close(self):
        """Ends the connection; what was sent is still read by the agent."""
        self._closing = True
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._sock.close()
        self._reader.join(timeout=5)

    def _read_replies(self):
        pending = bytearray()
        try:
            while True:
                try:
                    chunk = self._sock.recv(65536)
                except socket.timeout:  # the timeout is meant for sends; a quiet agent is normal
                    continue
                if not chunk:
                    self._fail("the agent closed the channel %s" % self.path)
                    return
                pending += chunk
                while len(pending) >= HEADER_BYTES:
                    length = frame_length(bytes(pending[:HEADER_BYTES]))
                    if length > MAX_REPLY_FRAME_BYTES:
                        self._fail("the agent sent a reply of %d bytes, more than %d" % (length, MAX_REPLY_FRAME_BYTES))
                        return
                    if len(pending) < HEADER_BYTES + length:
                        break
                    payload = bytes(pending[HEADER_BYTES:HEADER_BYTES + length])
                    del pending[:HEADER_BYTES + length]
                    self._deliver(json.loads(payload.decode("utf-8")))
        except (OSError, ValueError) as error:
            self._fail("the channel %s failed: %s" % (self.path, error))

    def _deliver(self, reply):
        if not isinstance(reply, dict):
            raise ValueError("a reply is not a JSON object")
        with self._waiters_lock:
            waiter = self._waiters.pop(reply.get("id"), None)
        if waiter is not None:
            waiter.reply = reply
            waiter.done.set()

    def _fail(self, reason):
        if self.failure is None:
            self.failure = reason
            if not self._closing:
                warn_once("channel-failed", "prov4ml: %s; what is logged from now on is lost, training goes on" % reason)
        with self._waiters_lock:
            waiters = list(self._waiters.values())
            self._waiters.clear()
        for waiter in waiters:
            waiter.done.set()
