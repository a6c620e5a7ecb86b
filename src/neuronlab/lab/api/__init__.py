"""The lab's routers, one module per widget family.

Each module exports ``router`` (a ``fastapi.APIRouter``) with paths under ``/api/<name>/``
and is named in ``neuronlab.lab.app.ROUTERS``. A route parses a pydantic model
(bounded types in ``lab.validation``), calls the engine, and returns a response model.
"""
