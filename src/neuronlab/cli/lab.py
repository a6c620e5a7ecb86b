"""`neuronlab lab`: open the browser lab."""

from __future__ import annotations

import click

from . import cli

LAB_PACKAGES = ("fastapi", "uvicorn", "plotly", "pygments")  # the extra "lab"


@cli.command(short_help="Open the browser lab.")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Interface to listen on; anything but loopback lets other machines in.",
)
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=8765,
    show_default=True,
    help="Port to listen on.",
)
@click.option("--no-browser", is_flag=True, help="Do not open a browser tab.")
@click.option(
    "--playground/--no-playground",
    default=True,
    show_default=True,
    help="Allow the code playground (it runs Python on this machine).",
)
@click.option(
    "--playground-token",
    envvar="NEURONLAB_PLAYGROUND_TOKEN",
    default=None,
    help="Require this token to run playground code. With --allow-playground on a network "
    "address: use it instead of a random one.",
)
@click.option(
    "--allow-playground",
    is_flag=True,
    help="Run the playground even when listening on the network: a token is made and printed.",
)
@click.option(
    "--playground-sandbox",
    type=click.Choice(["auto", "bubblewrap", "none"]),
    default="auto",
    show_default=True,
    help="Run playground code inside bubblewrap (auto: when this machine can). Without the "
    "sandbox the playground runs on loopback only.",
)
@click.option(
    "--max-sessions",
    type=click.IntRange(1, 200),
    default=8,
    show_default=True,
    help="Live trainers open at once (each open page's trainer holds one); a classroom on "
    "one server needs one per student. Each runs on one core at a time.",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Lab processes sharing the port, so that more than one core trains: for a class, "
    "one per core. --max-sessions caps the lab as a whole, across its processes.",
)
@click.option(
    "--allowed-host",
    "allowed_hosts",
    multiple=True,
    metavar="NAME",
    help="A public host name the lab answers to (repeatable), when it is reached through a "
    "load balancer under that name: pages from it may open sockets and post, nothing else.",
)
@click.option(
    "--node-prefix",
    default="",
    metavar="PATH",
    help="Behind a load balancer of several machines: the path under which it reaches this "
    "machine alone (for example /lab-a), so model downloads come back here. See docs/deploy.md.",
)
def lab(
    host,
    port,
    no_browser,
    playground,
    playground_token,
    allow_playground,
    playground_sandbox,
    max_sessions,
    workers,
    allowed_hosts,
    node_prefix,
) -> None:
    """Open the browser lab: every concept of the course as a widget on the engine."""
    import importlib.util
    import secrets

    missing = [name for name in LAB_PACKAGES if importlib.util.find_spec(name) is None]
    if missing:
        raise click.UsageError(
            f"the lab needs its web server, and {', '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not installed: "
            "pip install 'neuronlab[lab]' (the library and the other commands work without)"
        )

    from ..lab.server import run_lab
    from ..lab.settings import Settings

    exposed = Settings(host=host).exposed
    if exposed and not allow_playground:
        # running code for other machines takes an explicit --allow-playground; a token
        # alone (say, left in the environment) does not switch it on
        if playground:
            click.echo(
                "note: the code playground is off on a network address; "
                "add --allow-playground to run it with a token",
                err=True,
            )
        playground, playground_token = False, None
    if allow_playground and playground and exposed:
        # code from other machines runs inside the sandbox or not at all
        from ..lab.playground.bubblewrap import check

        problem = check().problem if playground_sandbox != "none" else "--playground-sandbox none"
        if problem:
            raise click.ClickException(
                f"the playground cannot sandbox runs here ({problem}), so it will not run code "
                "for other machines: install bubblewrap, or leave out --allow-playground."
            )
        if not playground_token:
            playground_token = secrets.token_urlsafe(16)
    try:
        settings = Settings(
            host=host,
            port=port,
            allow_playground=playground,
            playground_token=playground_token,
            playground_sandbox=playground_sandbox,
            max_sessions=max_sessions,
            allowed_hosts=tuple(allowed_hosts),
            node_prefix=node_prefix,
        )
    except ValueError as error:
        raise click.BadParameter(str(error)) from None
    status = run_lab(host, port, not no_browser, settings=settings, workers=workers)
    if status:
        raise SystemExit(status)
