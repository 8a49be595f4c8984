"""Intake: patients, enquiries, cases, questionnaire responses and red-flag triage."""
