{{ stg_config('cfg_ae_related', [
    ['aerel', 'text'],
]) }}
