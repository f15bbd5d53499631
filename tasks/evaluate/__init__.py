"""Is the model good, and better than production? Validation, per-image statistics, scoring
(speed, size, exports and int8, forgetting), the bootstrap comparison with the champion, the
verdict and promotion, the report and the evaluate run's MLflow log.

Imports core/ and tracking/ (MLflow runs and the registry).
"""

import lazy_loader

# What other rooms, the flows and the CLI use: loaded on first use (PEP 562), so importing the room loads nothing.
__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "against_champion": ["CandidateModel", "timing_images"],
        "forgetting": ["ForgettingFlag", "ap_by_class", "check_forgetting"],
        "mlflow_log": ["log_evaluation"],
        "promotion": ["ChampionMoved", "PromotionRefused", "apply_decision", "decide", "settle"],
        "report": ["write_evaluation"],
        "scoring": ["score_forgetting", "score_model"],
        "speed": ["model_size", "paired_latency"],
        "validate": ["evaluate_detector", "validation_args"],
        "verdict": ["judge"],
    },
)
