"""`field__ilike_contains="term"`: a case-insensitive "contains" that PostgreSQL can answer from a trigram index
under row-level security.

Django's `icontains` compiles to `UPPER(col) LIKE UPPER('%term%')`. Under row-level security PostgreSQL may only
use an index for a condition whose functions are LEAKPROOF, and `upper()` is not, so every search would scan the
whole table. `col ILIKE '%term%'` needs only the ILIKE operator's function, which `csm.tenancy.dbroles.mark_leakproof`
marks (see there why that is safe); a GIN index on `(organization_id, col gin_trgm_ops)` then serves it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import CharField, Lookup, TextField


class ILikeContains(Lookup[str]):
    lookup_name = "ilike_contains"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        pattern = "%" + connection.ops.prep_for_like_query(rhs_params[0]) + "%"
        return f"{lhs} ILIKE {rhs} ESCAPE '\\'", (*lhs_params, pattern)


CharField.register_lookup(ILikeContains)
TextField.register_lookup(ILikeContains)
