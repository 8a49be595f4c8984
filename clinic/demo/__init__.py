"""Demo data, in one place: never a real person, never for a clinic's own database.

- `staff.py`: the three demo logins and their password;
- `patients.py`: a dozen demo patients, recorded like real enquiries (judged, alerted);
- `cases.py`: generated cases in bulk (`seed_demo --cases N`), a plausible mix of tiers and
  statuses over the last eighteen months;
- `followups.py`: recovered patients whose first follow-up is due (`--followups-due N`);
- `bulk.py`: the one path both bulk loads take: batches written in their own transactions,
  progress reported, and ANALYZE of every table written once the load is done.

`manage.py seed_demo` is a thin command over these. Whether demo data may be written at all is
the `DEMO_DATA_ALLOWED` setting's call (the production settings say no).
"""
