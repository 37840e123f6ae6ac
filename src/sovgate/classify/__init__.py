"""sovgate.classify: find personal data, special categories, secrets and classification markings.

from sovgate.classify import Classifier
clf = Classifier.default()
clf.detect("Patient Anna Schmidt, IBAN DE89 3704 0044 0532 0130 00")
"""

from sovgate.classify.engine import Classifier

__all__ = ["Classifier"]
