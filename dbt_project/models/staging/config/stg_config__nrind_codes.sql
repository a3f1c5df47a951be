{{ stg_config('cfg_nrind_codes', [
    ['nrind', 'text'],
    ['code', 'text'],
    ['rank', 'integer', 'nrind_rank'],
]) }}
