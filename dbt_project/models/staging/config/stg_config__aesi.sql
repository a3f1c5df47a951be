{{ stg_config('cfg_aesi', [
    ['aesi_cat', 'text'],
    ['match', 'text', 'match_type'],
    ['term', 'text'],
    ['window_hours', 'double'],
]) }}
