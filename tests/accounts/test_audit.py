import pytest

from accounts.audit import audit_record, audit_verify_chain
from accounts.models import AuditEvent


@pytest.mark.django_db
def test_each_record_carries_the_hash_of_the_previous_one(officer):
    first = audit_record(action="exam.create", actor=officer, target_type="exam", target_id="1", summary="created")
    second = audit_record(action="exam.update", actor=officer, target_type="exam", target_id="1")
    assert first.prev_hash == "0" * 64
    assert second.prev_hash == first.hash
    assert audit_verify_chain().ok


@pytest.mark.django_db
def test_a_changed_record_is_named_as_the_first_broken_one(officer):
    events = [audit_record(action=f"step.{i}", actor=officer, data={"i": i}) for i in range(5)]
    AuditEvent.objects.filter(pk=events[2].pk).update(summary="tampered")
    result = audit_verify_chain()
    assert not result.ok
    assert result.first_broken_id == events[2].pk
    assert result.checked == 2


@pytest.mark.django_db
def test_a_deleted_record_breaks_the_chain_at_the_next_one(officer):
    events = [audit_record(action=f"step.{i}", actor=officer) for i in range(4)]
    AuditEvent.objects.filter(pk=events[1].pk).delete()
    result = audit_verify_chain()
    assert not result.ok and result.first_broken_id == events[2].pk


@pytest.mark.django_db
def test_records_cannot_be_edited_or_deleted_through_the_model(officer):
    event = audit_record(action="x", actor=officer)
    event.summary = "changed"
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()


@pytest.mark.django_db
def test_verify_audit_chain_command_reports_the_break(officer):
    from django.core.management import CommandError, call_command

    events = [audit_record(action=f"s{i}", actor=officer) for i in range(3)]
    call_command("verify_audit_chain")
    AuditEvent.objects.filter(pk=events[1].pk).update(action="forged")
    with pytest.raises(CommandError, match=f"record {events[1].pk}"):
        call_command("verify_audit_chain")
