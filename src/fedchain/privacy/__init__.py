"""Privacy protocols over arrays and bytes, with no chain code.

* :mod:`fedchain.privacy.secagg`: SecAgg+ secure aggregation (Bonawitz et al., CCS 2017, with the sparse
  neighbour graph of Bell et al., CCS 2020): only the sum of the members' updates is ever revealed.
"""
