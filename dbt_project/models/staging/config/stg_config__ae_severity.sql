{{ stg_config('cfg_ae_severity', [
    ['aesev', 'text'],
    ['asevn', 'integer'],
]) }}
