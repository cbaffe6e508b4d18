#!/usr/bin/env python3
"""peer.py: the kernel's side of the craft tests: a real listener and a
real client, with every wait bounded.

  peer.py listen HOST PORT TIMEOUT READYFILE
      bind and listen (retrying the bind for up to 3 s: ::1 appears when lo
      comes up), touch READYFILE, then accept() within TIMEOUT seconds and
      read to EOF (at most 5 s). Prints "accepted IP:PORT" and "read N", or
      "no-accept".
  peer.py connect HOST PORT TIMEOUT
      connect() within TIMEOUT seconds. Prints "connect 0" and sends "ping"
      before closing, or "connect ERRNO NAME".
"""
import errno
import socket
import sys
import time


def family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def listen(host, port, timeout, ready):
    s = socket.socket(family(host), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    deadline = time.monotonic() + 3
    while True:
        try:
            s.bind((host, port))
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    s.listen(8)
    open(ready, "w").close()
    s.settimeout(timeout)
    try:
        c, addr = s.accept()
    except socket.timeout:
        print("no-accept", flush=True)
        return 0
    print("accepted %s:%d" % (addr[0], addr[1]), flush=True)
    c.settimeout(5)
    n = 0
    try:
        while True:
            b = c.recv(4096)
            if not b:
                break
            n += len(b)
    except OSError as e:
        print("read-error %s" % errno.errorcode.get(e.errno, e.errno), flush=True)
    print("read %d" % n, flush=True)
    c.close()
    return 0


def connect(host, port, timeout):
    s = socket.socket(family(host), socket.SOCK_STREAM)
    s.settimeout(timeout)
    rc = s.connect_ex((host, port))
    if rc != 0:
        print("connect %d %s" % (rc, errno.errorcode.get(rc, "?")), flush=True)
        return 0
    print("connect 0", flush=True)
    try:
        s.sendall(b"ping")
    except OSError:
        pass
    time.sleep(0.1)
    s.close()
    return 0


def main():
    if len(sys.argv) >= 6 and sys.argv[1] == "listen":
        return listen(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5])
    if len(sys.argv) >= 5 and sys.argv[1] == "connect":
        return connect(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
