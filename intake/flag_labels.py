"""A red flag's short name, where staff scan many at once (the queue's badges): words, never
the rule's id. The reason in full is on the case page (rules.Rule.reason)."""

FLAG_LABELS = {
    "ces_bladder": "CES: bladder",
    "ces_bowel": "CES: bowel",
    "ces_saddle": "CES: saddle numbness",
    "ces_sexual": "CES: sexual function",
    "bilateral_leg": "Both legs",
    "progressive_weakness": "Leg weakness getting worse",
    "major_trauma": "Major trauma",
    "chest_pain": "Chest pain",
    "aaa": "Possible aortic aneurysm",
    "cancer_neuro": "Past cancer with nerve signs",
    "unilateral_weakness": "Weak leg",
    "cancer_history": "Past cancer",
    "infection": "Possible infection",
    "weight_loss": "Weight loss",
    "radicular": "Nerve pain down a leg",
    "night_pain": "Night pain",
    "fragility": "Possible fragility fracture",
    "age": "Age under 20 or over 50",
    "inflammatory": "Inflammatory pattern",
}


def flag_label(rule_id: str) -> str:
    """The short name of a rule's flag; a rule added later without one reads as words."""
    return FLAG_LABELS.get(rule_id) or rule_id.replace("_", " ").capitalize()
