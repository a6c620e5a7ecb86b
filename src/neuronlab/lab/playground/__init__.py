"""The code playground: sandboxed runs of learner code.

runner, sandbox, channel, outcome, child (what runs inside), examples, routes."""
