"""Which pool images teach the model most: uncertainty, backbone embeddings, pool scoring,
selection strategies (uncertainty, k-center diversity, hybrid, cold start) and ranking, the
relabel export with the label audit's share of it, and the mine reports.

Imports core/, audit/ (its report, read into the batch), index/ (FiftyOne's uniqueness) and
labelling/ (the batch's files).
"""

import lazy_loader

# What other rooms, the flows and the CLI use: loaded on first use (PEP 562), so importing the room loads nothing.
__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "audit_share": ["share_batch_with_audit"],
        "pool_check": ["require_pool"],
        "pool_scoring": ["load_detector", "score_images"],
        "rank": ["rank_pool", "training_embeddings"],
        "relabel_export": ["earlier_choices", "export_relabel_batch"],
        "reports": ["batch_header", "write_mine_summary", "write_pool_reports"],
        "strategies": ["effective_rule", "pick_random"],
    },
)
