"""Graph Coloring family: Erdos-Renyi graphs, k colours, colourings modulo colour permutation."""
