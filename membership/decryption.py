"""Decrypting stored personal data (SPEC §8): one value, as the model field reads it, and
many values at once for a big file (the bank's payment file).

Fernet costs about 10 µs a value in Python, all of it holding the GIL: a payment file of
100,000 cards spends a second on it alone, on one core. So a big file's rows are read and
written here while their ciphertexts are decrypted, a chunk at a time, by worker
processes: this very file run by the same Python (`python -I decryption.py`), so a worker
imports cryptography and nothing else and starts in a few hundredths of a second.

A worker is a plain child process talking through its standard input and output, one JSON
line a message: first the keys and the fields' names, then a chunk of ciphertexts, to
which it answers with their plain values (or the refusal of a value no key decrypts).
Not multiprocessing: a Celery pool process is daemonic and may not start its children,
and a worker whose parent dies must not live on: at the end of its input, which the
kernel closes with the parent, it ends. The keys go through the pipe, never on the
command line or in the environment (a worker is given only the path and locale of its
parent's); nothing is logged or kept.
"""

import json
import os
import subprocess
import sys
from collections import deque
from itertools import chain, islice

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

# Rows decrypted here before worker processes are started for the rest: a small file never
# starts any.
PARALLEL_FROM = 5_000
# Rows a worker decrypts at a time (the bank's payment file: 5,000 measured faster than
# 2,000 or 1,000).
CHUNK = 5_000
TOKEN_PREFIX = "gAAAAA"  # every Fernet token starts so (version byte and timestamp)


class PIIDecryptionError(RuntimeError):
    """A stored value could not be decrypted with any configured key."""


def fernet_for(keys):
    """The Fernet of `keys` (bytes, newest first), as django-fernet-encrypted-fields builds
    it: one key alone, several tried in order."""
    if len(keys) == 1:
        return Fernet(keys[0])
    return MultiFernet([Fernet(key) for key in keys])


def decrypt_value(fernet, value, label):
    """The plain text of a stored `value`; a value that is not a token (empty, or plain text
    on its way in from a form) is returned as it is. `label` names the field in the error
    raised when no key decrypts it (never the value)."""
    if value is None or not isinstance(value, str) or not value.startswith(TOKEN_PREFIX):
        return value
    try:
        return fernet.decrypt(value.encode("ascii")).decode("utf-8")
    except InvalidToken:
        raise PIIDecryptionError(
            f"{label}: no PII_ENCRYPTION_KEYS entry decrypts it") from None


def decrypted_rows(rows, fields, *, processes, chunk=None):
    """Each of `rows` (sequences, as `values_list` gives them) as a list with the values at
    the positions of `fields` ({position: EncryptedPIIField}, the values as stored)
    decrypted, in the same order.

    The first PARALLEL_FROM rows are decrypted here, as they come. When there are more and
    `processes` is 2 or more, that many worker processes decrypt the rest, `chunk` rows
    (default CHUNK) each at a time, while the rows before are given back: the rows held
    are a chunk per worker and the one being given back, whatever the number of rows. A
    value no key decrypts raises PIIDecryptionError, from a worker as from here."""
    positions = sorted(fields)
    labels = [f"{fields[p].model.__name__}.{fields[p].name}" for p in positions]
    keys = fields[positions[0]].keys  # every PII field has the keys of PII_ENCRYPTION_KEYS
    fernet = fernet_for(keys)
    rows = iter(rows)
    for row in islice(rows, PARALLEL_FROM if processes > 1 else None):
        yield _placed(row, positions, [decrypt_value(fernet, row[p], label)
                                       for p, label in zip(positions, labels)])
    following = next(rows, None)
    if following is None:
        return
    workers = []
    try:
        for _ in range(processes):
            workers.append(_Worker(keys, labels))
        yield from _decrypted_by(workers, chain([following], rows), positions, chunk or CHUNK)
    finally:
        # Also when the caller stops early or fails: no worker outlives the file.
        for worker in workers:
            worker.stop()


def _decrypted_by(workers, rows, positions, chunk):
    idle, busy = deque(workers), deque()  # busy: (rows, worker), the oldest chunk first
    parts = iter(lambda: list(islice(rows, chunk)), [])

    def hand_out():
        # A chunk is read only for a worker that can take it: the rows held are the
        # chunks in the workers and the one being given back.
        for worker, part in zip(list(idle), parts):
            idle.remove(worker)
            worker.send([[row[p] for p in positions] for row in part])
            busy.append((part, worker))

    hand_out()
    while busy:
        done, worker = busy.popleft()
        values = worker.receive()
        idle.append(worker)
        hand_out()  # the worker decrypts the next chunk while these rows are written
        for row, plain in zip(done, values, strict=True):
            yield _placed(row, positions, plain)


def _placed(row, positions, values):
    row = list(row)
    for position, value in zip(positions, values):
        row[position] = value
    return row


_ENVIRONMENT = ("PATH", "LANG", "LC_ALL", "LD_LIBRARY_PATH")


class _Worker:
    """One worker process, seen from its parent."""

    def __init__(self, keys, labels):
        # Of the environment only what starting Python may need: not the settings' secrets.
        environment = {name: os.environ[name] for name in _ENVIRONMENT if name in os.environ}
        self.process = subprocess.Popen(
            [sys.executable, "-I", __file__], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            env=environment, text=True, encoding="ascii")
        self.send({"keys": [key.decode("ascii") for key in keys], "labels": labels})

    def send(self, message):
        self.process.stdin.write(json.dumps(message) + "\n")
        self.process.stdin.flush()

    def receive(self):
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the decrypting process ended (exit code "
                               f"{self.process.wait()})")
        answer = json.loads(line)
        if "error" in answer:
            raise PIIDecryptionError(answer["error"])
        return answer["values"]

    def stop(self):
        # Both pipes closed: a worker waiting for a chunk sees the end of its input, one
        # still writing an answer nobody will read fails to, and either ends.
        for pipe in (self.process.stdin, self.process.stdout):
            try:
                pipe.close()
            except BrokenPipeError:  # it ended first: its input had unsent data
                pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _serve(given, answers):
    """The worker's side: the keys and labels, then a chunk a line until its input ends."""
    setup = json.loads(given.readline())
    fernet = fernet_for([key.encode("ascii") for key in setup["keys"]])
    labels = setup["labels"]
    for line in given:
        try:
            answer = {"values": [[decrypt_value(fernet, value, label)
                                  for value, label in zip(row, labels)]
                                 for row in json.loads(line)]}
        except PIIDecryptionError as error:
            answer = {"error": str(error)}
        answers.write(json.dumps(answer) + "\n")
        answers.flush()


if __name__ == "__main__":  # a worker process (see _Worker)
    try:
        _serve(sys.stdin, sys.stdout)
    except BrokenPipeError:  # the parent stopped reading: end quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
