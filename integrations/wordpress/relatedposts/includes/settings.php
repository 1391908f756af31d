<?php
/**
 * Settings > Related posts: the service URL, the admin token, the default count, appending.
 *
 * @package relatedposts
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

add_action( 'admin_menu', 'relatedposts_add_settings_page' );
add_action( 'admin_init', 'relatedposts_register_settings' );

/**
 * Add the settings page under Settings.
 */
function relatedposts_add_settings_page() {
	add_options_page( 'Related posts', 'Related posts', 'manage_options', 'relatedposts', 'relatedposts_settings_page' );
}

/**
 * Register the options with their sanitizers.
 */
function relatedposts_register_settings() {
	$group = 'relatedposts';
	register_setting( $group, 'relatedposts_service_url', array( 'sanitize_callback' => 'esc_url_raw' ) );
	register_setting( $group, 'relatedposts_token', array( 'sanitize_callback' => 'relatedposts_sanitize_token' ) );
	register_setting( $group, 'relatedposts_limit', array( 'sanitize_callback' => 'relatedposts_clamp_limit' ) );
	register_setting( $group, 'relatedposts_timeout', array( 'sanitize_callback' => 'floatval' ) );
	register_setting( $group, 'relatedposts_append', array( 'sanitize_callback' => 'rest_sanitize_boolean' ) );
}

/**
 * Keep the stored token when the field is left empty (the page never shows the token).
 *
 * @param string $value The submitted token.
 */
function relatedposts_sanitize_token( $value ) {
	$value = sanitize_text_field( (string) $value );
	return '' === $value ? relatedposts_token() : $value;
}

/**
 * Print the settings page.
 */
function relatedposts_settings_page() {
	if ( ! current_user_can( 'manage_options' ) ) {
		return;
	}
	$error = (string) get_option( 'relatedposts_last_error', '' );
	$waiting = count( (array) get_option( 'relatedposts_pending', array() ) );
	?>
	<div class="wrap">
		<h1>Related posts</h1>
		<form method="post" action="options.php">
			<?php settings_fields( 'relatedposts' ); ?>
			<table class="form-table" role="presentation">
				<tr><th scope="row"><label for="relatedposts_service_url">Service URL</label></th>
					<td><input name="relatedposts_service_url" id="relatedposts_service_url" type="url" class="regular-text" value="<?php echo esc_attr( relatedposts_service_url() ); ?>" placeholder="https://related.example.com">
					<p class="description">Where <code>relatedposts serve</code> answers (its <code>/fragment/related</code> and <code>/admin/ingest</code>).</p></td></tr>
				<tr><th scope="row"><label for="relatedposts_token">Admin token</label></th>
					<td><input name="relatedposts_token" id="relatedposts_token" type="password" class="regular-text" value="" autocomplete="new-password" placeholder="<?php echo '' === relatedposts_token() ? 'not set' : 'set (leave empty to keep)'; ?>">
					<p class="description">The service's <code>RELATEDPOSTS_ADMIN_TOKEN</code>, sent as a Bearer token when a post is published, updated or unpublished.</p></td></tr>
				<tr><th scope="row"><label for="relatedposts_limit">Posts shown</label></th>
					<td><input name="relatedposts_limit" id="relatedposts_limit" type="number" min="1" max="20" value="<?php echo esc_attr( (string) relatedposts_default_limit() ); ?>"></td></tr>
				<tr><th scope="row"><label for="relatedposts_timeout">Timeout (seconds)</label></th>
					<td><input name="relatedposts_timeout" id="relatedposts_timeout" type="number" min="0.1" max="10" step="0.1" value="<?php echo esc_attr( (string) relatedposts_timeout() ); ?>">
					<p class="description">How long a page view waits for the service; past it the block is left out.</p></td></tr>
				<tr><th scope="row">Append to posts</th>
					<td><label><input name="relatedposts_append" type="checkbox" value="1" <?php checked( (bool) get_option( 'relatedposts_append' ) ); ?>> Show the block after every single post's content</label></td></tr>
			</table>
			<?php submit_button(); ?>
		</form>
		<p>Place it yourself with the shortcode <code>[relatedposts limit="5"]</code> or the block &ldquo;You Might Also Enjoy&rdquo;.</p>
		<?php if ( '' !== $error || $waiting ) : ?>
			<p><strong>Publish calls:</strong> <?php echo esc_html( $waiting . ' waiting to be sent again. Last error: ' . ( '' !== $error ? $error : 'none' ) ); ?></p>
		<?php endif; ?>
	</div>
	<?php
}
