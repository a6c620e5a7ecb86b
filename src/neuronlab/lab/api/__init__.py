"""The lab's routers, one module per widget family.

Each module exports ``router`` (a ``fastapi.APIRouter``) with paths under ``/api/<name>/``
and is listed in ``neuronlab.lab.app.ROUTER_MODULES``. A route parses a pydantic model
(bounded types in ``common``), calls the engine, and returns a response model.
"""
