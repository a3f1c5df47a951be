{{ stg_config('cfg_bmi_groups', [
    ['bmigr1', 'text'],
    ['bmigr1n', 'integer'],
    ['bmi_from', 'double'],
    ['bmi_below', 'double'],
]) }}
