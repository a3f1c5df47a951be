{{ stg_config('cfg_age_groups', [
    ['agegr1', 'text'],
    ['agegr1n', 'integer'],
    ['age_min', 'double'],
    ['age_max', 'double'],
]) }}
