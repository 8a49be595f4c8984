"""Follow-up after recovery: scheduled reminders, check-ins and opt-outs."""
