"""Graph pictures for the workbench: offline pyvis HTML (``visual.network``) and the
Cypher that turns the graph's neighbourhoods and paths into the picture's shape
(``visual.graphs``)."""
