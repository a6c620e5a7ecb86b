"""The overfitting lab: a too-big network on few noisy points, L2 and early stopping.

``live.py``      the run the page watches, trained live on ``/ws/overfitting``
``pictures.py``  a whole run at once (``POST /api/overfitting/run``) and the three classic
                 pictures (``POST /api/overfitting/classic``)
"""

from fastapi import APIRouter

from . import live, pictures

router = APIRouter()
router.include_router(pictures.router)
router.include_router(live.router)
