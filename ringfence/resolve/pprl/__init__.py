"""Privacy-preserving record linkage: match party records across partners without sharing them.

A partner encodes its parties locally under a shared secret (``encode_parties``); the receiver
matches encodings against encodings (``match_encodings``, or ``link_entities`` for entities
across and within the two files; ``fit_model`` fits a model and its link threshold on known
matches) and learns which records correspond, not the names, phones
or e-mails behind them. Scheme, parameters and threat model: docs/pprl.md.
"""

from ringfence.resolve.pprl.encode import encode_parties
from ringfence.resolve.pprl.entities import link_entities
from ringfence.resolve.pprl.field_model import fit_model
from ringfence.resolve.pprl.match import DEFAULT_THRESHOLD, match_encodings
from ringfence.resolve.pprl.params import PprlParams, load_secret

__all__ = [
    "DEFAULT_THRESHOLD",
    "PprlParams",
    "encode_parties",
    "fit_model",
    "link_entities",
    "load_secret",
    "match_encodings",
]
