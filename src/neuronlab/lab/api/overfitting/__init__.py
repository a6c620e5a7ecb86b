"""The overfitting lab: a too-big network on few noisy points, L2 and early stopping.

``live.py``      the run the page watches, trained live on ``/ws/overfitting``: the socket,
                 its cap and its messages
``run.py``       one live run: its trainer, its pace, the page's changes, its lock
``commands.py``  what the page sends the live socket, validated
``pictures.py``  a whole run at once (``POST /api/overfitting/run``) and the three classic
                 pictures (``POST /api/overfitting/classic``)
"""

from fastapi import APIRouter

from . import live, pictures

router = APIRouter()
router.include_router(pictures.router)
router.include_router(live.router)
