"""The world the agents act on.

- :mod:`.geography`: what never changes during a run (places, roads, distances, camps and their relations at the
  start).
- :mod:`.relations`: war, truce, neutral or allied between two armed camps, and who is hostile to whom.
- :mod:`.map`: who holds each place, which camp each actor is in and the relations between camps; the only ways to
  change them, and an immutable view of each state with everything derived from it computed once, on demand.
- :mod:`.ties`: the support network (who arms, pays, flies for or shields whom) and what it gives each client.
- :mod:`.camp`: a camp's own state, the balance of strength between camps, and how a camp plans its offensives.
- :mod:`.front`: a week of fighting (offensives chosen, battles resolved, captures).
- :mod:`.economy`: the revenue of places (oil, customs, taxes, rents), the blockades that cut it, and what
  reaches each camp through the capital's institutions and each faction from the places it holds.
- :mod:`.peace`: conferences, ceasefires and agreements, and truces between two camps.
"""
