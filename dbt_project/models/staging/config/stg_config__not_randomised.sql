{{ stg_config('cfg_not_randomised', [
    ['armcd', 'text'],
]) }}
