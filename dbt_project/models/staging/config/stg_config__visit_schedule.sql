{{ stg_config('cfg_visit_schedule', [
    ['visitnum', 'double'],
    ['visit', 'text'],
    ['visitdy', 'integer'],
]) }}
