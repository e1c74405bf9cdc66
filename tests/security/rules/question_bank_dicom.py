"""question_bank DICOM: upload, detail, the officer's policy, the viewer's manifest and blob.

``world.dicom_series`` is the instructor's series (uploaded with the keep-original policy on) and is on
no form, so no candidate may fetch it
(a candidate's access through their own in-progress attempt, and its refusal to the other trainee,
is tested in tests/question_bank/test_dicom_api.py).
"""

from tests.security.roles import INSTRUCTOR, OFFICER, REVIEWER

BANK = {INSTRUCTOR, REVIEWER, OFFICER}
SERIES = {"pk": "dicom_series"}


def extend_world(world):
    from question_bank.dicom import synthesize_ct_phantom
    from question_bank.services_dicom import dicom_policy_update, dicom_series_upload

    files = [(f"{k}.dcm", data) for k, data in enumerate(synthesize_ct_phantom(n_slices=2, size=16))]
    dicom_policy_update(keep_originals=True, by=world.officer)
    world.dicom_series = dicom_series_upload(files=files, by=world.instructor)


RULES = {
    "question_bank:dicom_list": {"GET": BANK, "POST": {INSTRUCTOR, REVIEWER, OFFICER}},
    "question_bank:dicom_detail": {"GET": BANK, "POST": {INSTRUCTOR, REVIEWER, OFFICER}, "kwargs": SERIES},
    "question_bank:dicom_policy": {"GET": {OFFICER}, "POST": {OFFICER}},
    "api:question-dicom-upload": {"POST": {INSTRUCTOR, REVIEWER, OFFICER}, "note": "reviewer also holds instructor"},
    "api:question-dicom": {"GET": BANK, "kwargs": SERIES},
    "api:question-dicom-original": {"GET": {INSTRUCTOR, REVIEWER, OFFICER}, "kwargs": SERIES},
    "api:question-dicom-policy": {"GET": {OFFICER}, "PUT": {OFFICER}},
    "api:question-dicom-manifest": {"GET": BANK, "kwargs": SERIES, "note": "candidates: own in-progress attempt only"},
    "api:question-dicom-data": {"GET": BANK, "kwargs": SERIES, "note": "candidates: own in-progress attempt only"},
}
