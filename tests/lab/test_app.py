"""The lab app: the page, static files, plotly, the routers, errors and the origin guard."""

from __future__ import annotations

import re
import socket

import pytest

from neuronlab.lab import app as app_module
from neuronlab.lab.app import STATIC_DIR, create_app, render_page
from neuronlab.lab.server import _check_port_free, lab_url
from neuronlab.lab.settings import Settings
from neuronlab.lab.validation import LearningRate, Points, StrictModel, explain_validation_error

# ------------------------------------------------------------------------------ the page


def test_index_splices_every_section_in_file_name_order(lab_client):
    response = lab_client.get("/")
    assert response.status_code == 200
    page = response.text
    assert "<!-- sections -->" not in page
    sections = sorted((STATIC_DIR / "sections").glob("*.html"))
    assert sections, "there must be at least the trainer section"
    positions = []
    for path in sections:
        first_id = re.search(r'<section[^>]*\bid="([^"]+)"', path.read_text(encoding="utf-8"))
        assert first_id, f"{path.name} needs a <section id=...>"
        positions.append(page.index(f'id="{first_id.group(1)}"'))
    assert positions == sorted(positions)
    assert 'id="trainer"' in page and 'data-widget="trainer"' in page


def test_page_loads_nothing_from_outside_the_server(lab_client):
    page = lab_client.get("/").text
    for match in re.finditer(r'(?:src|href)="([^"#]+)"', page):
        assert match.group(1).startswith("/"), f"external resource {match.group(1)}"


def test_debug_mode_rereads_sections(tmp_path, monkeypatch):
    static = tmp_path / "static"
    (static / "sections").mkdir(parents=True)
    (static / "index.html").write_text("<main><!-- sections --></main>", encoding="utf-8")
    (static / "sections" / "02-b.html").write_text("<section id='b'><h2>B</h2></section>")
    (static / "sections" / "01-a.html").write_text("<section id='a'><h2>A</h2></section>")
    assert render_page(static) == (
        "<main><section id='a'><h2>A</h2></section>\n<section id='b'><h2>B</h2></section></main>"
    )


def test_plotly_is_served_from_the_installed_package(lab_client):
    response = lab_client.get("/vendor/plotly.min.js")
    assert response.status_code == 200
    assert "javascript" in response.headers["content-type"]
    assert len(response.content) > 1_000_000
    assert b"plotly" in response.content[:2000].lower()
    assert not list(STATIC_DIR.rglob("plotly*.js")), "plotly.js must not be copied into the repo"


@pytest.mark.parametrize(
    "path",
    ["/static/js/api.js", "/static/js/state.js", "/static/js/draw.js", "/static/css/lab.css"],
)
def test_shared_static_files_are_served(lab_client, path):
    response = lab_client.get(path)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-cache"
    etag = response.headers["etag"]
    assert lab_client.get(path, headers={"if-none-match": etag}).status_code == 304


# ----------------------------------------------------------------------------- routers


def test_every_named_router_is_served():
    app = create_app()
    assert app.state.routers == list(app_module.ROUTERS)
    paths = set(app.openapi()["paths"])
    for name in ("activations", "descent", "forward", "loss", "overfitting", "perceptron", "race"):
        assert any(path.startswith(f"/api/{name}/") for path in paths), name
    assert {"/api/options", "/api/playground/examples", "/api/source"} <= paths


# ------------------------------------------------------------------------------ errors


class Body(StrictModel):
    points: Points
    learning_rate: LearningRate = 0.1


def add_test_routes(client):
    @client.app.post("/api/test/echo")
    def echo(body: Body) -> dict:
        return body.model_dump()

    @client.app.post("/api/test/engine-refuses")
    def refuses() -> dict:
        raise ValueError("learning_rate must be > 0, got -1")

    return client


@pytest.mark.parametrize(
    "body, expected",
    [
        ({"points": 9000}, "Points should be less than or equal to 5000, got 9000."),
        ({}, "Points is required."),
        (
            {"points": 10, "colour": "red"},
            "Unknown field 'colour': remove it or check its spelling.",
        ),
        ({"points": 10, "learning_rate": 0}, "Learning rate should be greater than 0, got 0."),
        ({"points": "many"}, "Points should be a valid integer"),
    ],
)
def test_invalid_bodies_get_one_readable_sentence(lab_client, body, expected):
    client = add_test_routes(lab_client)
    response = client.post("/api/test/echo", json=body)
    assert response.status_code == 422
    assert response.json()["detail"].startswith(expected)


@pytest.mark.parametrize(
    "content, expected",
    [
        (b'{"points": 1e308}', "Points is far too large a number."),
        (b'{"points": 2.5}', "Points should be a valid integer, got a number with a fractional "),
        (b'{"points": "\\ud800"}', "Points holds a character that is not text"),
        (b'{"\\ud800": 1}', "A field name holds a character that is not text"),
        (b"[]", "The request body should be a JSON object"),
        (b"", "The request needs a JSON body"),
    ],
)
def test_odd_bodies_get_a_sentence_saying_what_to_fix(lab_client, content, expected):
    client = add_test_routes(lab_client)
    response = client.post(
        "/api/test/echo", content=content, headers={"content-type": "application/json"}
    )
    detail = response.json()["detail"]
    assert response.status_code == 422
    assert detail.startswith(expected) and detail.endswith("."), detail
    assert detail.count(", got") <= 1, detail  # not "..., got a number ..., got 2.5."


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"[" * 3000 + b"]" * 3000, id="3000-deep"),
        pytest.param(b'{"points": ' + b"9" * 5000 + b"}", id="5000-digits"),
    ],
)
def test_json_python_will_not_read_is_explained(lab_client, content):
    client = add_test_routes(lab_client)
    response = client.post(
        "/api/test/echo", content=content, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert "plain JSON" in response.json()["detail"]


def test_invalid_json_is_explained(lab_client):
    client = add_test_routes(lab_client)
    response = client.post(
        "/api/test/echo", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["detail"] == "The request body is not valid JSON."


def test_engine_value_errors_become_400_with_the_message(lab_client):
    response = add_test_routes(lab_client).post("/api/test/engine-refuses")
    assert response.status_code == 400
    assert response.json() == {"detail": "learning_rate must be > 0, got -1"}


def test_oversized_bodies_are_refused(make_client):
    client = add_test_routes(make_client(max_body_bytes=1000))
    response = client.post("/api/test/echo", content=b"x" * 2000)
    assert response.status_code == 413
    assert "1000 bytes" in response.json()["detail"]


def test_oversized_chunked_bodies_without_a_length_are_refused(make_client):
    client = add_test_routes(make_client(max_body_bytes=1000))
    chunks = (b"x" * 300 for _ in range(10))  # a generator: sent chunked, no Content-Length
    response = client.post("/api/test/echo", content=chunks)
    assert response.status_code == 413
    assert "1000 bytes" in response.json()["detail"]
    small = client.post("/api/test/echo", content=(b"[1, 2]" for _ in range(1)))
    assert small.status_code != 413  # a small chunked body still reaches the route


def test_explain_validation_error_joins_several_problems():
    errors = [
        {"type": "missing", "loc": ("body", "points")},
        {"type": "missing", "loc": ("body", "units")},
    ]
    assert explain_validation_error(errors) == "Points is required; units is required."


# ---------------------------------------------------------------------- origin guard


def test_cross_origin_post_is_refused(make_client):
    client = add_test_routes(make_client(allowed_hosts=("testserver",)))
    response = client.post(
        "/api/test/echo", json={"points": 10}, headers={"origin": "http://evil.example"}
    )
    assert response.status_code == 403
    assert "Cross-origin" in response.json()["detail"]


def test_same_origin_and_originless_posts_are_served(make_client):
    client = add_test_routes(make_client(allowed_hosts=("testserver",)))
    same = client.post(
        "/api/test/echo", json={"points": 10}, headers={"origin": "http://testserver"}
    )
    assert same.status_code == 200
    assert client.post("/api/test/echo", json={"points": 10}).status_code == 200


def test_dns_rebinding_is_refused(lab_client):
    # a page on evil.example whose name now points at 127.0.0.1: same origin, foreign host
    client = add_test_routes(lab_client)
    response = client.post(
        "/api/test/echo",
        json={"points": 10},
        headers={"origin": "http://evil.example:8765", "host": "evil.example:8765"},
    )
    assert response.status_code == 403


def test_reading_the_page_needs_no_origin_check(lab_client):
    response = lab_client.get("/", headers={"origin": "http://evil.example"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "path", ["/", "/api/options", "/api/source/activations.relu", "/static/css/lab.css"]
)
def test_head_is_answered_like_get_without_a_body(lab_client, path):
    # curl -I, link checkers and uptime probes ask with HEAD; HTTP wants it wherever GET works
    got = lab_client.get(path)
    head = lab_client.head(path)
    assert head.status_code == got.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("GET", "/api/race/run", "use POST"),
        ("OPTIONS", "/api/race/run", "use POST"),
        ("DELETE", "/", "use GET"),
    ],
)
def test_a_wrong_method_gets_a_sentence_naming_the_right_one(lab_client, method, path, expected):
    response = lab_client.request(method, path)
    assert response.status_code == 405
    assert expected in response.json()["detail"]


# ---------------------------------------------------------------------------- settings


def test_settings_defaults_are_private():
    settings = Settings()
    assert settings.host == "127.0.0.1"
    assert not settings.exposed
    assert settings.host_allowed("localhost") and not settings.host_allowed("evil.example")


@pytest.mark.parametrize("fields", [{"port": 0}, {"max_sessions": 0}, {"max_frame_rate": 0}])
def test_bad_settings_are_refused(fields):
    with pytest.raises(ValueError):
        Settings(**fields)


def test_lab_url():
    assert lab_url("127.0.0.1", 8765) == "http://127.0.0.1:8765/"
    assert lab_url("0.0.0.0", 9000) == "http://127.0.0.1:9000/"


def test_a_taken_port_is_reported_with_what_to_do():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(OSError, match="--port"):
            _check_port_free("127.0.0.1", port)
