"""Settings for every learner's Jupyter server on a shared hub (loaded by the server, not the hub).

install-course.sh copies this file into the learners' environment
(/opt/tljh/user/etc/jupyter/jupyter_server_config.py), where every server loads it; the hub test
passes it with --config. One setting, for one problem seen under load:

Kernels talk to their server over ZeroMQ sockets. Over TCP (the default), each learner's server
picks five "free" ports for every kernel it starts and the kernel binds them a moment later;
with many learners starting kernels at once, two servers can pick the same port, and the kernel
that loses cannot start. jupyter_client then restarts it on the same ports, five times, and gives
up: the learner's notebook has no kernel (seen with 16 learners at once on 2 cores, 1 learner in
16, twice in two runs; see jupyter_client issue 276 and kernel_gateway issue 131). Unix sockets in
the learner's own home cannot collide. A Unix socket's path may not be longer than 107 bytes,
so the server's runtime folder (where the sockets go, beside each kernel's connection file) is
a short one, ~/.jk, not ~/.local/share/jupyter/runtime.
"""
import os

c = get_config()  # noqa: F821
c.KernelManager.transport = "ipc"
# runtime_dir is not a configurable trait; the server reads it from this variable on first use,
# which comes after its configuration is loaded (checked by tests/hub: the sockets are in ~/.jk)
os.environ.setdefault("JUPYTER_RUNTIME_DIR", os.path.expanduser("~/.jk"))
