"""The model's mechanisms: each a small, pure piece that can be read and tested alone.

- :mod:`combat`: contest success, loss-of-strength gradient, Lanchester attrition.
- :mod:`support`: patron support as a Richardson action-reaction process.
- :mod:`economy`: oil revenue, its distribution, pay and recruitment.
- :mod:`alignment`: logit choice of camp with a switching cost.
- :mod:`diplomacy`: Fearon-style acceptance of a deal on the table.
"""
