"""Configuration of the IPython kernels of the project's virtual environment.

``make venv`` copies this file to ``.venv/etc/ipython/``, one of the folders where every
IPython kernel started with the venv's Python (``{sys.prefix}/etc/ipython``) reads its
configuration: the kernels that ``make book`` (myst-nb), ``make notebooks`` (nbconvert),
the tests (nbval, the test build of the book) and ``make lab`` start.

The kernel (ipykernel 7.4 when this was written) logs, once per kernel,
"[IPKernelApp] WARNING | Kernel is running over TCP without encryption ..." when its
connection file has no CurveZMQ keys and its transport is TCP (``IPKernelApp.init_sockets``).
The keys are written there by jupyter_client, and only when its
``KernelManager.transport_encryption`` is "auto" or "required" (default "disabled"): nbconvert
could set that, but myst-nb and jupyter-cache, which execute the book's notebooks, pass no
configuration to their kernel manager. So every notebook a build executed printed this line,
which reads like a build warning. Here the kernel drops that one record, and only while it
listens on a loopback address (127.0.0.1, the default of every local kernel): its messages
never leave the machine, and they are signed with the key of the connection file, which
only its owner can read. A kernel that listens on a network interface still warns, and
every other message of the kernel still shows.
"""

import ipaddress
import logging

TCP_WARNING = "Kernel is running over TCP without encryption"


def _listens_on_loopback() -> bool:
    from ipykernel.kernelapp import IPKernelApp

    if not IPKernelApp.initialized():
        return False
    ip = IPKernelApp.instance().ip
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return ip == "localhost"


class LoopbackTCPWarningFilter(logging.Filter):
    """Drops the unencrypted-TCP warning of a kernel that listens on loopback only."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.getMessage().startswith(TCP_WARNING):
            return True
        return not _listens_on_loopback()


c = get_config()  # noqa: F821 (defined by IPython when it loads this file)

# Merged into the logging configuration of the kernel application (traitlets'
# Application.logging_config): a filter on the application's logger, "IPKernelApp".
c.IPKernelApp.logging_config = {
    "filters": {"loopback_tcp": {"()": LoopbackTCPWarningFilter}},
    "loggers": {"IPKernelApp": {"filters": ["loopback_tcp"]}},
}
