{{ stg_config('cfg_race_groups', [
    ['racegr1', 'text'],
    ['racegr1n', 'integer'],
    ['priority', 'integer'],
    ['race', 'text'],
    ['ethnic', 'text'],
]) }}
