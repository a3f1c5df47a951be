{{ stg_config('cfg_lab_summary', [
    ['parcat1', 'text'],
    ['requires_unit', 'flag'],
]) }}
