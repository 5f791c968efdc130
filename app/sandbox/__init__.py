"""The sandboxed PyTorch snippet runner (see docs/sandbox.md).

Public API: `client.Sandbox` (with `SandboxUnavailable`, `SandboxBusy`,
`SnippetRejected`), `protocol.SnippetJob`, `protocol.SnippetResult`,
`protocol.SandboxLimits` and `probe.IsolationReport`.

Nothing is imported here on purpose: the zygote loads the worker-side modules
without running this file (see `launcher`), and the host imports what it uses.
"""
