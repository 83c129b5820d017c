"""Published claims checked against the sourced rows (findings), one module each.

- :mod:`infrarisk.findings.inge2`: the European Parliament's INGE2 "over 20 European ports"
  claim (``out_inge2__ports``, ``out_inge2__terminals``).
"""
