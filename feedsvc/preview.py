"""The editor's preview of a parse: `feedsvc parse FILE` (text) or `--format json`."""

from __future__ import annotations

import json

from feedsvc.models import Issue
from feedsvc.parse import TITLE_DERIVED


def as_json(issue: Issue) -> str:
    return json.dumps(issue.model_dump(mode="json"), ensure_ascii=False, indent=1)


def as_text(issue: Issue) -> str:
    head = [
        f"{issue.publication or '(paper not configured)'}  {issue.date or 'date unknown'}"
        + (f"  总第{issue.issue_number}期" if issue.issue_number else "")
        + (f"  今日{issue.page_count}版" if issue.page_count else "")
        + (f"  农历{issue.lunar_date}" if issue.lunar_date else "")
    ]
    for page in issue.pages:
        section = page.section or "section unknown"
        head.append(f"\n== page {page.number} ({page.number_from}) · {section} ({page.section_from})")
        for n, item in enumerate(page.items, start=1):
            flag = " [title derived]" if item.title_derived else ""
            head.append(f"\n[{n}] {item.kind}{flag}")
            if item.kicker:
                head.append(f"    kicker:    {item.kicker}")
            head.append(f"    title:     {item.title}")
            if item.subtitle:
                head.append(f"    subtitle:  {item.subtitle}")
            people = "、".join(
                " ".join(filter(None, (p.role, p.name, p.credit and f"({p.credit})")))
                for p in item.contributors
            )
            head.append(f"    by:        {people or '-'}")
            if item.dateline:
                head.append(f"    dateline:  {item.dateline}")
            lead = item.lead
            head.append(
                f"    text:      {lead[:60]}{'…' if len(lead) > 60 else ''} ({len(item.paragraphs)} ¶)"
            )
            doubts = [w for w in item.warnings if w != TITLE_DERIVED]  # flagged above
            head.extend(f"    doubt:     {w}" for w in doubts)
    if issue.dropped:
        head.append("\ndropped: " + " | ".join(issue.dropped))
    if issue.warnings:
        head.append("warnings:\n" + "\n".join(f"  - {w}" for w in issue.warnings))
    return "\n".join(head)
