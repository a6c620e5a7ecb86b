"""A light first load: gzip on the wire, versioned URLs cached for a year, the page re-checked.

In-process client first (headers, bytes, ETags, ranges, the WebSocket and the model download
under the compression middleware), then the same through a real uvicorn server in a subprocess.
How many bytes a browser really fetches, and when Train works, is measured, not asserted:
``scripts/measure_first_load.py``.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import re

import httpx
import pytest

import neuronlab
from neuronlab.lab import assets
from neuronlab.lab.app import STATIC_DIR, create_app
from neuronlab.lab.assets import IMMUTABLE, asset_version, plotly_path, versioned_page
from tests.support import lab_process, run_async

GZIP = {"Accept-Encoding": "gzip"}
IDENTITY = {"Accept-Encoding": "identity"}


def version_of(client) -> str:
    return client.app.state.static_version


def wire(client, method: str, url: str, **kwargs) -> tuple[httpx.Response, bytes]:
    """The response and its body exactly as sent (not decompressed by the client)."""
    with client.stream(method, url, **kwargs) as response:
        return response, b"".join(response.iter_raw())


# ------------------------------------------------------------------------------ the page


def test_the_page_is_gzipped_and_rechecked_on_every_load(lab_client):
    response, raw = wire(lab_client, "GET", "/", headers=GZIP)
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["cache-control"] == "no-cache"
    assert "Accept-Encoding" in response.headers["vary"]
    page = gzip.decompress(raw).decode()
    assert page == lab_client.get("/").text
    assert len(raw) < len(page.encode()) / 3  # HTML compresses well; the page is ~45 kB


def test_every_link_of_the_page_is_versioned_and_kept_for_a_year(lab_client):
    page = lab_client.get("/").text
    version = version_of(lab_client)
    links = re.findall(r'(?:src|href)="(/static/[^"]+)"', page)
    assert links, "the page links its style sheets and modules"
    assert all(link.startswith(f"/static/{version}/") for link in links), links
    for link in links:
        response = lab_client.get(link)
        assert response.status_code == 200, link
        assert response.headers["cache-control"] == IMMUTABLE, link


def test_the_page_preloads_every_module_it_will_import(lab_client):
    page = lab_client.get("/").text
    preloaded = set(re.findall(r'<link rel="modulepreload" href="/static/[^/]+/(js/[^"]+)"', page))
    modules = {p.relative_to(STATIC_DIR).as_posix() for p in (STATIC_DIR / "js").rglob("*.js")}
    assert preloaded == modules
    assert "plotly.min.js" not in page  # fetched by js/load-plotly.js, only when a chart is near


# --------------------------------------------------------------------------- static files


@pytest.mark.parametrize("name", ["js/main.js", "js/widgets/trainer.js", "css/lab.css"])
def test_static_files_are_gzipped_once_and_decompress_to_the_file(lab_client, name):
    url = f"/static/{version_of(lab_client)}/{name}"
    response, raw = wire(lab_client, "GET", url, headers=GZIP)
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["vary"] == "Accept-Encoding"
    assert int(response.headers["content-length"]) == len(raw)
    assert gzip.decompress(raw) == (STATIC_DIR / name).read_bytes()
    # the second answer comes from the kept copy: the very same bytes
    assert wire(lab_client, "GET", url, headers=GZIP)[1] == raw


def test_many_clients_at_once_cost_one_compression(monkeypatch):
    compressed: list[str] = []
    original = assets._gzip_file

    def counting(path: str) -> bytes:
        compressed.append(path)
        return original(path)

    monkeypatch.setattr(assets, "_gzip_file", counting)
    app = create_app()
    url = f"/static/{app.state.static_version}/vendor/plotly.min.js"

    async def thirty_at_once() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return await asyncio.gather(*(client.get(url, headers=GZIP) for _ in range(30)))

    responses = run_async(thirty_at_once())  # a browser test may have left a loop running
    assert all(r.status_code == 200 and r.headers["content-encoding"] == "gzip" for r in responses)
    assert len({r.content for r in responses}) == 1
    assert compressed == [str(plotly_path())]


def test_a_client_without_gzip_gets_the_file_as_it_is(lab_client):
    url = f"/static/{version_of(lab_client)}/js/api.js"
    response, raw = wire(lab_client, "GET", url, headers=IDENTITY)
    assert response.status_code == 200
    assert "content-encoding" not in response.headers
    assert raw == (STATIC_DIR / "js" / "api.js").read_bytes()
    assert response.headers["cache-control"] == IMMUTABLE


def test_plotly_is_gzipped_versioned_and_kept_for_a_year(lab_client):
    url = f"/static/{version_of(lab_client)}/vendor/plotly.min.js"
    response, raw = wire(lab_client, "GET", url, headers=GZIP)
    assert response.status_code == 200
    assert "javascript" in response.headers["content-type"]
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["cache-control"] == IMMUTABLE
    original = plotly_path().read_bytes()
    assert gzip.decompress(raw) == original
    assert len(raw) < 0.4 * len(original)  # 4.8 MB on disk, about 1.5 MB on the wire


def test_a_gzipped_file_is_revalidated_by_its_etag(lab_client):
    url = f"/static/{version_of(lab_client)}/js/draw.js"
    etag = lab_client.get(url, headers=GZIP).headers["etag"]
    assert etag.startswith('W/"')  # the same file in another encoding: a weak validator
    again = lab_client.get(url, headers={**GZIP, "If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""


def test_a_byte_range_is_of_the_file_itself(lab_client):
    url = f"/static/{version_of(lab_client)}/vendor/plotly.min.js"
    response = lab_client.get(url, headers={**GZIP, "Range": "bytes=0-99"})
    assert response.status_code == 206
    assert "content-encoding" not in response.headers
    assert response.content == plotly_path().read_bytes()[:100]


def test_head_answers_with_the_headers_of_get(lab_client):
    url = f"/static/{version_of(lab_client)}/js/main.js"
    got = lab_client.get(url, headers=GZIP)
    head = lab_client.head(url, headers=GZIP)
    assert head.status_code == 200 and head.content == b""
    for name in ("content-encoding", "content-length", "cache-control", "etag"):
        assert head.headers[name] == got.headers[name], name


# ------------------------------------------------------------------ old and wrong addresses


def test_an_old_unversioned_url_is_served_but_rechecked(lab_client):
    response = lab_client.get("/static/js/main.js", headers=GZIP)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-cache"
    assert response.content == (STATIC_DIR / "js" / "main.js").read_bytes()


def test_a_page_of_another_version_still_gets_its_files_rechecked(lab_client):
    response = lab_client.get("/static/0.0.1-0123456789/js/state.js")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-cache"  # never a year for another version
    assert response.content == (STATIC_DIR / "js" / "state.js").read_bytes()


def test_the_old_plotly_address_leads_to_the_versioned_one(lab_client):
    response = lab_client.get("/vendor/plotly.min.js", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == f"/static/{version_of(lab_client)}/vendor/plotly.min.js"
    assert response.headers["cache-control"] == "no-cache"


@pytest.mark.parametrize(
    "path",
    ["{v}/js/nothing.js", "{v}/", "{v}/../app.py", "%2e%2e/app.py", "{v}//etc/passwd", ""],
)
def test_a_missing_or_escaping_path_is_a_404_with_a_sentence(lab_client, path):
    response = lab_client.get("/static/" + path.format(v=version_of(lab_client)))
    assert response.status_code == 404
    assert isinstance(response.json()["detail"], str)


def test_a_post_to_a_static_file_is_refused_in_english(lab_client):
    response = lab_client.post(f"/static/{version_of(lab_client)}/js/main.js")
    assert response.status_code == 405
    assert response.json()["detail"].startswith("This address does not take POST requests")


def test_debug_mode_never_caches_a_file_for_long(make_client):
    client = make_client(debug=True)
    response = client.get(f"/static/{version_of(client)}/js/main.js")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-cache"


# ------------------------------------------------------------------------------ versions


def test_the_version_follows_the_package_and_every_file(tmp_path):
    (tmp_path / "js").mkdir()
    (tmp_path / "js" / "a.js").write_text("export const a = 1;\n")
    first = asset_version(tmp_path)
    assert re.fullmatch(rf"{re.escape(neuronlab.__version__)}-[0-9a-f]{{10}}", first)
    assert asset_version(tmp_path) == first
    (tmp_path / "js" / "a.js").write_text("export const a = 2;\n")
    changed = asset_version(tmp_path)
    assert changed != first
    (tmp_path / "js" / "b.js").write_text("")
    assert asset_version(tmp_path) != changed


def test_versioned_page_moves_only_static_links():
    html = (
        '<link href="/static/css/a.css"><script src="/static/js/main.js"></script>'
        '<a href="/api/docs">docs</a><!-- module preloads -->'
    )
    assert versioned_page(html, "1.0-abcdef0123") == (
        '<link href="/static/1.0-abcdef0123/css/a.css">'
        '<script src="/static/1.0-abcdef0123/js/main.js"></script>'
        '<a href="/api/docs">docs</a><!-- module preloads -->'
    )


# ------------------------------------------------------------- the API under compression


def test_a_large_json_answer_is_gzipped(lab_client):
    body = {"surface": "rosenbrock"}
    response, raw = wire(lab_client, "POST", "/api/descent/map", json=body, headers=GZIP)
    assert response.status_code == 200, raw[:200]
    assert response.headers["content-encoding"] == "gzip"
    decoded = json.loads(gzip.decompress(raw))
    assert decoded == lab_client.post("/api/descent/map", json=body, headers=IDENTITY).json()
    assert len(raw) < len(json.dumps(decoded)) / 2


def test_an_error_answer_still_reads_as_json_under_gzip(lab_client):
    response = lab_client.post("/api/descent/map", json={"surface": "nope"}, headers=GZIP)
    assert response.status_code == 422
    assert "surface" in response.json()["detail"].lower()


def test_the_trainer_socket_and_the_model_download_work_under_gzip(lab_client, tmp_path):
    with lab_client.websocket_connect("/ws/train", headers=GZIP) as ws:
        hello = json.loads(ws.receive_text())
        assert hello["type"] == "hello"
        ws.send_text(
            json.dumps(
                {
                    "type": "configure",
                    "config": {"dataset": "xor", "points": 80, "units": 4, "grid": 20},
                }
            )
        )
        ws.send_text(json.dumps({"type": "step", "epochs": 3}))
        for _ in range(200):  # text messages and binary frames, unchanged by the middleware
            message = ws.receive()
            if message.get("bytes"):
                length = int.from_bytes(message["bytes"][:4], "little")
                header = json.loads(message["bytes"][4 : 4 + length])
                if header.get("epoch") == 3:
                    break
        else:
            raise AssertionError("no frame of epoch 3 came")
        response, raw = wire(lab_client, "GET", hello["model_url"], headers=GZIP)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/octet-stream"
        body = gzip.decompress(raw) if response.headers.get("content-encoding") == "gzip" else raw
        (tmp_path / "model.npz").write_bytes(body)
        network, metadata = neuronlab.engine.load(tmp_path / "model.npz")
        assert network.layer_sizes[0] == 2 and metadata["epoch"] == 3
        # and what the browser's fetch hands the page: the same bytes, decoded
        assert lab_client.get(hello["model_url"], headers=GZIP).content == body


# ------------------------------------------------------------------------- a real server


@pytest.fixture(scope="module")
def real_server(tmp_path_factory):
    """``python -m neuronlab.lab`` in a subprocess on a free port: uvicorn, as users run it."""
    with lab_process(tmp_path_factory.mktemp("server") / "lab-server.log") as (url, _):
        yield url


def test_a_real_server_sends_gzip_and_cache_headers(real_server):
    with httpx.Client(base_url=real_server, timeout=30) as client:
        page = client.get("/", headers=GZIP)
        assert page.headers["content-encoding"] == "gzip"
        assert page.headers["cache-control"] == "no-cache"
        main = re.search(r'src="(/static/[^"]+/js/main\.js)"', page.text).group(1)
        module = client.get(main, headers=GZIP)
        assert module.headers["content-encoding"] == "gzip"
        assert module.headers["cache-control"] == IMMUTABLE
        assert module.content == (STATIC_DIR / "js" / "main.js").read_bytes()
        plotly = client.get(main.replace("js/main.js", "vendor/plotly.min.js"), headers=GZIP)
        assert plotly.headers["content-encoding"] == "gzip"
        assert int(plotly.headers["content-length"]) < 0.4 * plotly_path().stat().st_size
        options = client.get("/api/options", headers=GZIP)
        assert options.headers["content-encoding"] == "gzip"
        assert "activations" in options.json()


def test_a_real_server_keeps_the_websocket_as_it_was(real_server):
    from websockets.sync.client import connect

    address = real_server.replace("http://", "ws://") + "ws/train"
    origin = real_server.rstrip("/")
    with connect(address, origin=origin, open_timeout=30) as socket:
        hello = json.loads(socket.recv(timeout=30))
        assert hello["type"] == "hello"
