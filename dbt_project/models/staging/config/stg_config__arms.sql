{{ stg_config('cfg_arms', [
    ['arm', 'text'],
    ['armcd', 'text'],
    ['order', 'integer', 'arm_order'],
    ['control', 'flag', 'is_control'],
    ['label', 'text', 'arm_label'],
]) }}
