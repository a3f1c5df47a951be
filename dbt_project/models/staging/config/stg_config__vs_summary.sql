{{ stg_config('cfg_vs_summary', [
    ['paramcd', 'text'],
]) }}
