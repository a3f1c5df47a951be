{{ stg_config('cfg_ae_dose_windows', [
    ['label', 'text'],
    ['hours', 'double'],
]) }}
