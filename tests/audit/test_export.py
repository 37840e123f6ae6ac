"""The records-of-processing view and the flow matrix (pure functions)."""

from __future__ import annotations

from sovgate.audit import AuditRecord, FindingSummary, RuleRecord
from sovgate.audit.export import FLOW_COLUMNS, csv_row, flow_matrix, flow_report, flow_rows, is_cross_border


def r(**kw: object) -> AuditRecord:
    return AuditRecord(id="x", time="2026-11-26T00:00:00Z", **kw)  # type: ignore[arg-type]


def test_cross_border_means_hosted_or_operated_outside_the_subjects_country() -> None:
    assert not is_cross_border(
        r(
            subject_jurisdictions=("DE",),
            provider="p",
            provider_hosting=("DE",),
            provider_operator_country="DE",
        )
    )
    assert is_cross_border(
        r(
            subject_jurisdictions=("DE",),
            provider="p",
            provider_hosting=("DE",),
            provider_operator_country="US",
        )
    )  # hosted at home, operated from abroad
    assert is_cross_border(
        r(
            subject_jurisdictions=("DE", "FR"),
            provider="p",
            provider_hosting=("DE",),
            provider_operator_country="DE",
        )
    )
    assert not is_cross_border(r(subject_jurisdictions=("DE",), provider=None))


def test_flow_rows_only_requests_that_reached_a_provider() -> None:
    recs = [
        r(
            provider="us",
            provider_hosting=("US",),
            subject_jurisdictions=("DE",),
            categories=("HEALTH",),
            findings=(FindingSummary("PHONE", "DE", 2), FindingSummary("HEALTH", "DE", 1)),
            rules=(RuleRecord("b/r1", "allow", "GDPR Art. 49"),),
            protection={"us": ("PHONE",)},
        ),
        r(provider=None, outcome="refused", status=403),
        r(kind="admin", action="config.reload"),
    ]
    rows = list(flow_rows(recs))
    assert len(rows) == 1 and list(rows[0]) == list(FLOW_COLUMNS)
    row = rows[0]
    assert row["entity_types"] == ["PHONE"] and row["categories"] == ["HEALTH"]
    assert row["rules"] == ["b/r1 (allow)"] and row["citations"] == ["GDPR Art. 49"]
    assert csv_row(row)[FLOW_COLUMNS.index("cross_border")] == "true"
    assert len(list(flow_rows(recs, include_all=True))) == 2  # the refusal too, never the admin record


def test_flow_rows_name_both_ends_of_a_forwarded_request() -> None:
    sent = r(provider="sha-gateway", provider_hosting=("CN",), peer_decisions={"sha-gateway": "0190b"})
    received = r(provider="cn", forwarded_by="fra.example/audit", forwarded_decision="0190a")
    out, into = (csv_row(row) for row in flow_rows([sent, received]))
    col = FLOW_COLUMNS.index
    assert out[col("peer_decisions")] == "sha-gateway: 0190b" and out[col("forwarded_by")] == ""
    assert (into[col("forwarded_by")], into[col("forwarded_decision")]) == ("fra.example/audit", "0190a")
    assert into[col("peer_decisions")] == ""
    own = csv_row(
        next(iter(flow_rows([r(provider="de", endpoint="responses", detectors={"acme.codename": 1})])))
    )
    assert (own[col("endpoint")], own[col("detectors")]) == ("responses", "acme.codename: 1")


def test_flow_matrix_counts_subject_destination_category() -> None:
    recs = [
        r(provider="a", provider_hosting=("US", "IE"), subject_jurisdictions=("DE",), categories=("HEALTH",)),
        r(
            provider="a",
            provider_hosting=("US",),
            subject_jurisdictions=("DE", "FR"),
            findings=(FindingSummary("EMAIL", None, 1),),
        ),
        r(provider="b", provider_hosting=("DE",)),
        r(provider=None, subject_jurisdictions=("DE",)),
    ]
    m = flow_matrix(recs)
    assert m == {
        ("DE", "US", "HEALTH"): 1,
        ("DE", "IE", "HEALTH"): 1,
        ("DE", "US", "PERSONAL"): 1,
        ("FR", "US", "PERSONAL"): 1,
        ("-", "DE", "NONE"): 1,
    }


def test_findings_column_names_kind_detail_and_jurisdiction() -> None:
    rec = r(
        provider="us",
        provider_hosting=("US",),
        findings=(
            FindingSummary("CLASSIFIED", "DE", 1, "VS-NfD"),
            FindingSummary("EMAIL", None, 2, "email"),
            FindingSummary("PHONE", "DE", 1),  # a leaf before v5: no detail
        ),
    )
    row = next(iter(flow_rows([rec])))
    assert row["findings"] == ["CLASSIFIED VS-NfD (DE): 1", "EMAIL email: 2", "PHONE (DE): 1"]
    assert (
        csv_row(row)[FLOW_COLUMNS.index("findings")]
        == "CLASSIFIED VS-NfD (DE): 1;EMAIL email: 2;PHONE (DE): 1"
    )


def test_report_counts_what_each_request_carried_where_in_the_clear_or_masked() -> None:
    ids = (
        FindingSummary("NATIONAL_ID", "DE", 3, "de.idnr"),
        FindingSummary("NATIONAL_ID", "FR", 1, "fr.nir"),
    )
    recs = [
        # two schemes of one kind, masked for the provider that served it, hosted in two places
        r(provider="a", provider_hosting=("IE", "US"), findings=ids, protection={"a": ("NATIONAL_ID",)}),
        # the same scheme in the clear; a provider tried before it received it masked: not counted
        r(
            provider="b",
            provider_hosting=("DE",),
            findings=(FindingSummary("NATIONAL_ID", "DE", 1, "de.idnr"), FindingSummary("PHONE", "DE", 1)),
            protection={"a": ("NATIONAL_ID",), "b": ()},
        ),
        r(provider=None, findings=ids),  # refused: nothing went anywhere
        r(provider="b", provider_hosting=("DE",), findings=(FindingSummary("EMAIL", None, 1, "email"),)),
    ]
    sent = flow_report(recs).sent
    assert sent == {
        ("NATIONAL_ID", "de.idnr", "IE", True): 1,
        ("NATIONAL_ID", "de.idnr", "US", True): 1,
        ("NATIONAL_ID", "fr.nir", "IE", True): 1,
        ("NATIONAL_ID", "fr.nir", "US", True): 1,
        ("NATIONAL_ID", "de.idnr", "DE", False): 1,
        ("PHONE", "-", "DE", False): 1,
        ("EMAIL", "email", "DE", False): 1,
    }
