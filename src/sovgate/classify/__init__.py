"""sovgate.classify: find personal data, special categories, secrets and classification markings.

from sovgate.classify import Classifier
clf = Classifier.default()
clf.detect("Patient Anna Schmidt, IBAN DE89 3704 0044 0532 0130 00")
"""

from sovgate.classify import _core

_core.choose()  # before any core module is imported: a stale compiled build must not run

from sovgate.classify.engine import Classifier  # noqa: E402

core_build = _core.build

__all__ = ["Classifier", "core_build"]
